import { toBase64Url } from '../../lib/util/base64url'
import { encodeGrant, grantsFromCookies, parseGrant } from '../../lib/link/grant-cookie'
import { stringToSign } from '../../lib/link/link-format'

const SIG = 'JAlvetgMrDoUCbglQ1WCmsFg_gDoM_pv_puL2rc6ksc'
const folder64 = (folder: string) => toBase64Url(new TextEncoder().encode(folder))

describe('grant cookie', () => {
  describe('encodeGrant() and parseGrant()', () => {
    it.each([
      ['private/videos/42/', undefined],
      ["private/it's (1)/", 'k1'],
      ['日本語/', undefined],
    ])('round-trip %j (kid %j) to the fields and the string a scope link for the folder signs', (folder, kid) => {
      const value = encodeGrant(folder, 1767229200, kid, SIG)
      expect(value).toMatch(/^[A-Za-z0-9_-]+\.1767229200\.[\w-]*\.[\w-]{43}$/)
      const depth = folder.split('/').length - 1
      expect(parseGrant(value)).toEqual({
        path: folder,
        expiry: 1767229200,
        kid,
        scope: depth,
        signature: SIG,
        message: stringToSign(folder, { expiry: 1767229200, kid, scope: depth }),
      })
    })

    it('gives a fresh object on every read of the same value, good or bad, however many values come', () => {
      const value = encodeGrant('a/b/', 1767229200, 'k1', SIG)
      const first = parseGrant(value) as { path: string }
      first.path = 'changed/'
      expect(parseGrant(value)).toMatchObject({ path: 'a/b/', scope: 2, kid: 'k1' })
      expect(parseGrant(value)).not.toBe(parseGrant(value))
      // More distinct values than are kept: each still read for itself.
      for (let i = 0; i < 600; i++) {
        const folder = `f${i}/`
        expect(parseGrant(encodeGrant(folder, 1767229200 + i, undefined, SIG))).toMatchObject({ path: folder })
        expect(parseGrant(`${folder64(folder)}.0${i}..${SIG}`)).toBeUndefined()
      }
      expect(parseGrant(value)).toMatchObject({ path: 'a/b/', expiry: 1767229200 })
    })

    it('reads a folder of any length without overflowing the stack, ASCII or not', () => {
      for (const folder of ['v/'.repeat(150_000), `${'v/'.repeat(150_000)}é/`, `${'a'.repeat(1024)}/`]) {
        const value = encodeGrant(folder, 1767229200, undefined, SIG)
        // Deeper than 99 folders: refused, but read first, and never thrown.
        if (folder.split('/').length - 1 > 99) expect(parseGrant(value)).toBeUndefined()
        else expect(parseGrant(value)).toMatchObject({ path: folder, scope: 1 })
      }
      expect(parseGrant(encodeGrant(`${'b'.repeat(5000)}/`, 1767229200, undefined, SIG))).toMatchObject({
        scope: 1,
        path: `${'b'.repeat(5000)}/`,
      })
    })

    it.each([
      ['three parts', `${folder64('a/')}.1.${SIG}`],
      ['five parts', `${folder64('a/')}.1..${SIG}.x`],
      ['a folder without its /', `${folder64('a')}.1..${SIG}`],
      ['a non-canonical folder', `${folder64('a/../')}.1..${SIG}`],
      ['a folder in loose base64url (unused low bits set)', `${folder64('a/').slice(0, -1)}x.1..${SIG}`],
      ['a folder in standard base64', `${Buffer.from('a/b?/').toString('base64')}.1..${SIG}`],
      ['a folder that is not UTF-8', `${toBase64Url(new Uint8Array([0xc3, 0x2f]))}.1..${SIG}`],
      ['an expiry with a leading zero', `${folder64('a/')}.01..${SIG}`],
      ['an expiry in milliseconds', `${folder64('a/')}.1767229200000..${SIG}`],
      ['a malformed key id', `${folder64('a/')}.1.a:b.${SIG}`],
      ['a short signature', `${folder64('a/')}.1..${SIG.slice(1)}`],
      ['a non-canonical last signature character', `${folder64('a/')}.1..${SIG.slice(0, -1)}d`],
      ['a folder deeper than 99 segments', `${folder64('a/'.repeat(100))}.1..${SIG}`],
    ])('refuses %s', (_what, value) => {
      expect(parseGrant(value)).toBeUndefined()
    })
  })

  describe('grantsFromCookies()', () => {
    it('returns every value of the cookie, unquoted, or undefined when there is none', () => {
      expect(grantsFromCookies('a=1; signed-grant=x; b=2; signed-grant="y"')).toEqual(['x', 'y'])
      expect(grantsFromCookies('my-grant=z; signed-grant=x', 'my-grant')).toEqual(['z'])
      expect(grantsFromCookies('a=1; xsigned-grant=x')).toBeUndefined()
      expect(grantsFromCookies(undefined)).toBeUndefined()
      expect(grantsFromCookies(null)).toBeUndefined()
    })

    it('throws a TypeError for a name that is not a cookie token, or a header that is not a string', () => {
      expect(() => grantsFromCookies('a=1', 'a b')).toThrow(TypeError)
      expect(() => grantsFromCookies(42 as unknown as string)).toThrow(/must be a string/)
    })
  })
})
