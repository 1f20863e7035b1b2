import { createHash } from 'node:crypto'
import { createSigner } from '../../lib/signer/signer'
import { createWebSigner } from '../../lib/signer/web-signer'
import { KEY, NOW_MS } from '../support/helpers'

const NOW = NOW_MS / 1000
let clock = NOW_MS
const now = () => clock

beforeEach(() => {
  clock = NOW_MS
})

describe('createWebSigner()', () => {
  describe('when the runtime has no Web Crypto', () => {
    it('throws a TypeError at creation, naming what is missing', () => {
      const replaced = jest.replaceProperty(globalThis, 'crypto', undefined as unknown as Crypto)
      try {
        expect(() => createWebSigner({ key: KEY })).toThrow(
          new TypeError('createWebSigner: this runtime has no Web Crypto (globalThis.crypto.subtle)'),
        )
      } finally {
        replaced.restore()
      }
    })
  })

  describe('sign()', () => {
    it('resolves to the link the Node signer makes, every signed field included', async () => {
      const options = { ttl: 600, filename: 'R é.pdf', ip: ['10.0.0.0/8'], notBefore: NOW + 5 }
      expect(await createWebSigner({ key: KEY, now }).sign('private/r.pdf', options)).toBe(
        createSigner({ key: KEY, now }).sign('private/r.pdf', options),
      )
    })

    it('throws a bad sign option synchronously, not as a rejection', () => {
      const web = createWebSigner({ key: KEY, now })
      expect(() => web.sign('a.png', { ttl: -5 } as never)).toThrow(TypeError)
      expect(() => web.sign('a/', { uses: 2 })).toThrow(/"uses" is for a link to one file/)
    })
  })

  describe('verify()', () => {
    it('accepts its own link until it expires, then refuses it as expired', async () => {
      const web = createWebSigner({ key: KEY, now })
      const link = await web.sign('a.png', { ttl: 60 })
      clock = NOW_MS + 59_000
      expect(await web.verify(link)).toMatchObject({ ok: true, path: 'a.png', expiresAt: NOW + 60, secondsLeft: 1 })
      clock = NOW_MS + 60_000
      expect(await web.verify(link)).toMatchObject({ ok: false, error: { code: 'ERR_URL_EXPIRED', status: 403 } })
    })

    it('keeps the signature of a good result out of JSON', async () => {
      const web = createWebSigner({ key: KEY, now })
      const link = await web.sign('a.png')
      const result = await web.verify(link)
      const signature = new URLSearchParams(link.split('?')[1]).get('signature')
      expect(result.ok && result.signature).toBe(signature)
      expect(JSON.stringify(result)).not.toContain(signature)
    })

    it('allows an upload link for PUT only, and a read link for GET and HEAD only', async () => {
      const web = createWebSigner({ key: KEY, now })
      const sha256 = createHash('sha256').update('body').digest('base64url')
      const upload = await web.sign('in/a.bin', { method: 'put', sha256, maxBytes: 4 })
      expect(await web.verify(upload, { method: 'PUT' })).toMatchObject({
        ok: true,
        method: 'put',
        sha256,
        maxBytes: 4,
      })
      expect(await web.verify(upload, { method: 'GET' })).toMatchObject({ error: { code: 'ERR_METHOD_NOT_ALLOWED' } })
      const read = await web.sign('a.png')
      expect(await web.verify(read, { method: 'HEAD' })).toMatchObject({ ok: true })
      expect(await web.verify(read, { method: 'PUT' })).toMatchObject({ error: { code: 'ERR_METHOD_NOT_ALLOWED' } })
      expect(await web.verify(read, { method: 'DELETE' })).toMatchObject({ error: { code: 'ERR_METHOD_NOT_ALLOWED' } })
    })

    it('checks the client address of a bound link', async () => {
      const web = createWebSigner({ key: KEY, now })
      const link = await web.sign('a.png', { ip: ['10.0.0.0/8'] })
      expect(await web.verify(link, { ip: '10.1.2.3' })).toMatchObject({ ok: true, ip: '10.0.0.0/8' })
      expect(await web.verify(link, { ip: '192.0.2.1' })).toMatchObject({ error: { code: 'ERR_IP_NOT_ALLOWED' } })
    })

    it('resolves a refusal for a bad URL, but throws bad options synchronously', async () => {
      const web = createWebSigner({ key: KEY, now })
      await expect(web.verify(5 as never)).resolves.toMatchObject({
        ok: false,
        error: { code: 'ERR_PATH_NOT_CANONICAL' },
      })
      await expect(web.verify('/a.png?expiry=1&expiry=2&method=get&signature=x')).resolves.toMatchObject({
        ok: false,
      })
      expect(() => web.verify('/a.png', { bogus: 1 } as never)).toThrow(TypeError)
    })
  })

  describe('grant()', () => {
    it('resolves to a grant cookie the Node signer accepts for paths under its folder', async () => {
      const grant = await createWebSigner({ key: KEY, now }).grant('/private/videos/', { ttl: 300 })
      expect(grant).toMatchObject({ folder: 'private/videos/', expiresAt: NOW + 300, maxAge: 300 })
      const node = createSigner({ key: KEY, now })
      expect(node.verify('/private/videos/1/a.ts', { grants: [grant.value] })).toMatchObject({
        ok: true,
        folder: 'private/videos/',
      })
      expect(node.verify('/private/other.ts', { grants: [grant.value] })).toMatchObject({ ok: false })
    })

    it('throws a TypeError synchronously for a folder that is not one', () => {
      expect(() => createWebSigner({ key: KEY, now }).grant(5 as never)).toThrow(/grant: folder must be a string/)
    })
  })
})
