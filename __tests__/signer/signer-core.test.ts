import { createSignerCore } from '../../lib/signer/signer-core'
import type { ParsedLink } from '../../lib/link/link-fields'
import { stringToSign } from '../../lib/link/link-format'
import { KEY, NOW_MS } from '../support/helpers'

const NOW = NOW_MS / 1000
const SIG = 'A'.repeat(43)
// The core needs no cryptography: keys are their text, so a test can see which one a step would use.
const asText = (material: { bytes?: Uint8Array }) => Buffer.from(material.bytes ?? []).toString()
let clock = NOW_MS
const core = (options: object = {}) => createSignerCore('test', { key: KEY, now: () => clock, ...options }, asText)

beforeEach(() => {
  clock = NOW_MS
})

describe('signer-core', () => {
  describe('prepareSign()', () => {
    it('gives the string to sign and the link before its signature', () => {
      expect(core().prepareSign('private/a b.png', undefined)).toEqual({
        message: `private/a b.png?expiry=${NOW + 3600}&method=get`,
        link: `/private/a%20b.png?expiry=${NOW + 3600}&method=get&signature=`,
      })
      expect(core().prepareSign('/private/a.png', { ttl: 60 }).message).toBe(
        `private/a.png?expiry=${NOW + 60}&method=get`,
      )
    })

    it('signs the folder of a scope, with its depth, and names the signing key', () => {
      const signed = core({ keys: [{ id: 'k1', secret: KEY }], key: undefined }).prepareSign('v/42/index.m3u8', {
        scope: 'v/42/',
      })
      expect(signed).toEqual({
        message: `v/42/?expiry=${NOW + 3600}&method=get&kid=k1&scope=2`,
        link: `/v/42/index.m3u8?expiry=${NOW + 3600}&method=get&kid=k1&scope=2&signature=`,
      })
    })

    it('makes links absolute under baseUrl', () => {
      expect(core({ baseUrl: 'https://files.example.com/' }).prepareSign('a.png', undefined).link).toMatch(
        /^https:\/\/files\.example\.com\/a\.png\?expiry=/,
      )
    })

    it.each([
      ['', /not canonical/],
      ['a/../b', /not canonical/],
      ['a//b', /not canonical/],
      ['a\\b', /not canonical/],
      [5, /path must be a string, got 5/],
    ])('refuses the path %j', (path, message) => {
      expect(() => core().prepareSign(path as string, undefined)).toThrow(message)
    })
  })

  describe('prepareVerify()', () => {
    it.each(['GET', 'HEAD', 'get', 'head', undefined])('reads a link requested by %s', (method) => {
      const link = core().prepareVerify(`/a.png?expiry=${NOW + 5}&method=get&signature=${SIG}`, { method })
      expect(link).toEqual({
        path: 'a.png',
        expiry: NOW + 5,
        signature: SIG,
        message: `a.png?expiry=${NOW + 5}&method=get`,
      })
    })

    it('takes PUT only with an upload link, and GET or HEAD only without one', () => {
      const put = core().prepareVerify(`/a.png?expiry=${NOW + 10}&method=put&signature=${'A'.repeat(43)}`, {
        method: 'put',
      })
      expect(put).toMatchObject({ method: 'put', path: 'a.png' })
      for (const [url, method] of [
        [`/a.png?expiry=${NOW + 10}&method=get&signature=${'A'.repeat(43)}`, 'PUT'],
        [`/a.png?expiry=${NOW + 10}&method=put&signature=${'A'.repeat(43)}`, 'GET'],
        [`/a.png?expiry=${NOW + 10}&method=put&signature=${'A'.repeat(43)}`, 'HEAD'],
      ])
        expect(core().prepareVerify(url, { method })).toMatchObject({ error: { code: 'ERR_METHOD_NOT_ALLOWED' } })
      // A folder grant never allows an upload.
      expect(core().prepareVerify('/a.png', { method: 'PUT', grants: ['x'] })).toMatchObject({
        error: { code: 'ERR_SIGNATURE_MISSING' },
      })
    })

    it.each(['POST', 'PATCH', 'OPTIONS', 'GETS', 'PUTS', ''])(
      'refuses the method %j before reading the URL',
      (method) => {
        expect(core().prepareVerify('not a url', { method })).toMatchObject({
          ok: false,
          error: { code: 'ERR_METHOD_NOT_ALLOWED' },
        })
      },
    )

    it('refuses what is not a URL with the code of its first fault', () => {
      expect(core().prepareVerify(5 as never, undefined)).toMatchObject({ error: { code: 'ERR_PATH_NOT_CANONICAL' } })
      expect(core().prepareVerify('/a/../b', undefined)).toMatchObject({ error: { code: 'ERR_PATH_NOT_CANONICAL' } })
      expect(core().prepareVerify('/a?expiry=1', undefined)).toMatchObject({ error: { code: 'ERR_QUERY_MALFORMED' } })
      // A target without signed fields: its path, decoded once, for the grant fallback.
      expect(core().prepareVerify('/v/%41', undefined)).toStrictEqual({ unsigned: 'v/A' })
      expect(core().prepareVerify('/v/%2e%2e/x', undefined)).toMatchObject({
        error: { code: 'ERR_PATH_NOT_CANONICAL' },
      })
    })
  })

  describe('finishVerify()', () => {
    const link = (expiry: number, scope?: number): ParsedLink => ({
      path: 'v/42/seg.ts',
      expiry,
      scope,
      signature: SIG,
      message: stringToSign('v/42/seg.ts', { expiry }),
    })

    it('refuses an unmatched MAC before looking at the expiry', () => {
      expect(core().finishVerify(link(NOW - 100), false, undefined)).toMatchObject({
        error: { code: 'ERR_SIGNATURE_INVALID' },
      })
    })

    it('is good up to the second before expiry, with whole seconds left rounded down', () => {
      clock = NOW_MS + 500
      expect(core().finishVerify(link(NOW + 10), true, undefined)).toEqual({
        ok: true,
        path: 'v/42/seg.ts',
        expiresAt: NOW + 10,
        secondsLeft: 9,
      })
      clock = (NOW + 9) * 1000 + 999
      expect(core().finishVerify(link(NOW + 10), true, undefined)).toMatchObject({ ok: true, secondsLeft: 0 })
      clock = (NOW + 10) * 1000
      expect(core().finishVerify(link(NOW + 10), true, undefined)).toMatchObject({ error: { code: 'ERR_URL_EXPIRED' } })
    })

    it('stretches the expiry by the clock tolerance, with nothing left to cache', () => {
      clock = (NOW + 12) * 1000
      expect(core({ clockTolerance: 5 }).finishVerify(link(NOW + 10), true, undefined)).toMatchObject({
        ok: true,
        secondsLeft: 0,
      })
      clock = (NOW + 15) * 1000
      expect(core({ clockTolerance: 5 }).finishVerify(link(NOW + 10), true, undefined)).toMatchObject({ ok: false })
    })

    it('names the folder a scope link grants, and the key id a link names; only the fields it has', () => {
      expect(core().finishVerify(link(NOW + 10, 2), true, undefined)).toMatchObject({ ok: true, folder: 'v/42/' })
      const named = core().finishVerify({ ...link(NOW + 10), kid: 'k1' }, true, undefined)
      // Its own fields exactly (the signature is a getter, out of JSON and of the spread).
      expect({ ...named }).toStrictEqual({
        ok: true,
        path: 'v/42/seg.ts',
        expiresAt: NOW + 10,
        secondsLeft: 10,
        kid: 'k1',
      })
      expect(named.ok && named.signature).toBe(link(NOW + 10).signature)
      expect(core().finishVerify(link(NOW + 10), true, undefined)).not.toHaveProperty('kid')
    })

    it('checks the MAC, then the expiry, then notBefore, then the client address', () => {
      const bound = { ...link(NOW + 10), notBefore: NOW + 5, ip: '10.0.0.0/8' }
      const code = (l: typeof bound, matched: boolean, ip?: string) => {
        const result = core().finishVerify(l, matched, { ip })
        return result.ok ? 'ok' : result.error.code
      }
      expect(code(bound, false, '10.0.0.1')).toBe('ERR_SIGNATURE_INVALID')
      expect(code({ ...bound, expiry: NOW }, true, '10.0.0.1')).toBe('ERR_URL_EXPIRED')
      expect(code(bound, true, '192.0.2.1')).toBe('ERR_URL_NOT_YET_VALID')
      expect(code({ ...bound, notBefore: NOW }, true, '192.0.2.1')).toBe('ERR_IP_NOT_ALLOWED')
      expect(code({ ...bound, notBefore: NOW }, true, '10.0.0.1')).toBe('ok')
    })
  })

  describe('prepareGrant()', () => {
    it('signs the folder as a scope link for it does, with the cookie lifetime', () => {
      clock = NOW_MS + 400
      expect(core().prepareGrant('/v/42/', { ttl: '2h' })).toEqual({
        message: `v/42/?expiry=${NOW + 7200}&method=get&scope=2`,
        folder: 'v/42/',
        expiry: NOW + 7200,
        maxAge: 7200,
      })
    })

    it.each([['v/42'], ['v/../'], [''], [5]])('refuses the folder %j', (folder) => {
      expect(() => core().prepareGrant(folder as string, undefined)).toThrow(TypeError)
    })
  })

  describe('grantsFor()', () => {
    const grantValue = (folder: string, expiry = NOW + 60) =>
      `${Buffer.from(folder).toString('base64url')}.${expiry}..${SIG}`

    it('returns the grants that cover the path, each signing its folder and serving the path', () => {
      const found = core().grantsFor('v/42/seg.ts', [grantValue('v/42/'), grantValue('v/43/'), grantValue('v/')])
      expect(found).toEqual([
        {
          path: 'v/42/seg.ts',
          expiry: NOW + 60,
          kid: undefined,
          scope: 2,
          signature: SIG,
          message: `v/42/?expiry=${NOW + 60}&method=get&scope=2`,
        },
        {
          path: 'v/42/seg.ts',
          expiry: NOW + 60,
          kid: undefined,
          scope: 1,
          signature: SIG,
          message: `v/?expiry=${NOW + 60}&method=get&scope=1`,
        },
      ])
    })

    it('skips junk and foreign grants before counting, and checks at most 8', () => {
      const junk = Array.from({ length: 50 }, (_, i) => [`junk${i}`, grantValue(`w/${i}/`)]).flat()
      const good = Array.from({ length: 9 }, () => grantValue('v/'))
      expect(core().grantsFor('v/1', [...junk, ...good])).toHaveLength(8)
    })

    it('calls a function of grants, and finds none where there are none', () => {
      const given = jest.fn(() => [grantValue('v/')])
      expect(core().grantsFor('v/1', given)).toHaveLength(1)
      expect(given).toHaveBeenCalledTimes(1)
      expect(core().grantsFor('v/1', () => undefined)).toEqual([])
      expect(core().grantsFor('v/1', [5 as never])).toEqual([])
      expect(core().grantsFor('w/1', [grantValue('v/')])).toEqual([])
    })
  })
})
