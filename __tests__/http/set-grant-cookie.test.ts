import http, { type IncomingMessage } from 'node:http'
import { cookieName, cookiePath, setGrantCookie } from '../../lib/http/set-grant-cookie'

const grant = { value: 'v', folder: 'private/videos/42/', expiresAt: 1767226200, maxAge: 600 }
const response = () => new http.ServerResponse({ method: 'GET', headers: {} } as IncomingMessage)

describe('set-grant-cookie', () => {
  describe('cookiePath()', () => {
    it.each([
      ['private/videos/42/', '/private/videos/42/'],
      ["private/it's (1)/", '/private/'],
      ['café/private/', '/'],
      ['a b/', '/'],
    ])('is %j cut before the first segment a URL could spell two ways: %j', (folder, path) => {
      expect(cookiePath(folder)).toBe(path)
    })
  })

  describe('cookieName()', () => {
    it('defaults to signed-grant and takes any HTTP token', () => {
      expect(cookieName('f', undefined)).toBe('signed-grant')
      expect(cookieName('f', "my_grant!#$%&'*+.^`|~-")).toBe("my_grant!#$%&'*+.^`|~-")
    })

    it.each(['', 'a b', 'a;b', 'a=b', 'é', 42])('throws a TypeError naming "grantCookie" for %j', (name) => {
      expect(() => cookieName('signUrls', name)).toThrow(/signUrls: "grantCookie" must be a cookie name/)
    })
  })

  describe('setGrantCookie()', () => {
    it('sets an HttpOnly, SameSite=Lax cookie for the folder, Secure only over HTTPS, keeping other cookies', () => {
      const res = response()
      res.setHeader('Set-Cookie', 'session=1')
      setGrantCookie({ socket: {} } as IncomingMessage, res, 'signed-grant', grant)
      expect(res.getHeader('Set-Cookie')).toEqual([
        'session=1',
        'signed-grant=v; Path=/private/videos/42/; Max-Age=600; HttpOnly; SameSite=Lax',
      ])
      const secure = response()
      setGrantCookie({ secure: true } as unknown as IncomingMessage, secure, 'g', grant)
      expect(secure.getHeader('Set-Cookie')).toEqual([
        'g=v; Path=/private/videos/42/; Max-Age=600; HttpOnly; SameSite=Lax; Secure',
      ])
      const tls = response()
      setGrantCookie({ socket: { encrypted: true } } as unknown as IncomingMessage, tls, 'g', grant)
      expect(String(tls.getHeader('Set-Cookie'))).toMatch(/; Secure$/)
    })
  })
})
