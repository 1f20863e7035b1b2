import { createSigner } from 'express-signed-url'
import { verify } from '../../lib/cli/cli-verify'
import { REFUSAL_TEXTS } from '../../lib/util/errors'
import { NOW_MS } from '../support/helpers'

const KEY = 'cli-test-key-0123456789-0123456789-0123456789'
const NOW_S = NOW_MS / 1000

// verify() against a signer on the test clock, the clock moved by `later` seconds for the check.
function check(
  link: string,
  { later = 0, method, ip, keyIds = [] }: { later?: number; method?: string; ip?: string; keyIds?: string[] } = {},
  signer = createSigner({ key: KEY, now: () => NOW_MS + later * 1000 }),
) {
  const out: string[] = []
  const err: string[] = []
  const code = verify(signer, link, { method, ip, now: NOW_MS + later * 1000 }, keyIds, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  })
  return { code, out, err }
}

const sign = (path: string, options = {}, key: unknown = KEY) =>
  createSigner({ key, now: () => NOW_MS } as Parameters<typeof createSigner>[0]).sign(path, options)

describe('verify()', () => {
  describe('when the link is valid', () => {
    it('says what it grants, until when and for how long, then each signed field', () => {
      const result = check(sign('private/a.png', { ttl: 7199 }))
      expect(result.code).toBe(0)
      expect(result.err).toEqual([])
      expect(result.out).toEqual([
        'valid: grants GET and HEAD of /private/a.png until 2026-01-01T01:59:59Z (for 1 hour 59 minutes)',
        `  expiry: ${NOW_S + 7199} (2026-01-01T01:59:59Z)`,
        '  method: get (GET and HEAD)',
        '  kid: (none: a plain link, checked against the keys without an id)',
      ])
    })

    it.each([
      [59, '59 seconds'],
      [60, '1 minute'],
      [3600, '1 hour'],
      [86400 + 7200, '1 day 2 hours'],
      [7 * 86400, '7 days'],
    ])('says a lifetime of %d seconds as %s', (ttl, said) => {
      expect(check(sign('a.png', { ttl })).out[0]).toMatch(new RegExp(`\\(for ${said}\\)$`))
    })

    it('says a scope link grants its folder, and names the path asked', () => {
      const { out } = check(sign('videos/42/index.m3u8', { scope: 'videos/42/' }))
      expect(out[0]).toMatch(
        /^valid: grants GET and HEAD of every path under \/videos\/42\/ \(this one: \/videos\/42\/index.m3u8\)/,
      )
      expect(out).toContain("  scope: 2 (the folder of the path's first 2 segments, and everything below it)")
    })

    it('explains an upload link when checked for PUT', () => {
      const link = sign('in/a.bin', { method: 'put', maxBytes: 10, contentType: ['image/png'] })
      const { code, out } = check(link, { method: 'PUT' })
      expect(code).toBe(0)
      expect(out[0]).toMatch(/^valid: grants PUT \(an upload\) of \/in\/a\.bin/)
      expect(out).toContain('  method: put (PUT: an upload; never read)')
      expect(out).toContain('  maxbytes: 10 (the most bytes the upload may have)')
      expect(out).toContain('  contenttype: image/png (the types it may be sent as)')
    })

    it("names the resumable upload a tus upload's link opens", () => {
      const link = sign('in/a.bin', { method: 'put', upload: 'AbCdEfGhIjKlMnOpQrStUv' })
      const { code, out } = check(link, { method: 'PUT' })
      expect(code).toBe(0)
      expect(out).toContain('  upload: AbCdEfGhIjKlMnOpQrStUv (the resumable upload it opens)')
    })

    it('escapes invisible characters in the path it prints', () => {
      expect(check(sign('a\u202etxt.exe')).out[0]).toContain('of /a\\u{202E}txt.exe until')
    })
  })

  describe('when the link is refused', () => {
    it('prints the code and its explanation on stderr, nothing on stdout, and returns 1', () => {
      const link = sign('a.png').replace('a.png', 'b.png')
      const result = check(link)
      expect(result).toEqual({
        code: 1,
        out: [],
        err: [`refused (ERR_SIGNATURE_INVALID): ${REFUSAL_TEXTS.ERR_SIGNATURE_INVALID.explanation}`],
      })
    })

    it('says how long ago an expired link expired', () => {
      expect(check(sign('a.png', { ttl: 60 }), { later: 60 + 90 }).err).toEqual([
        `refused (ERR_URL_EXPIRED): the link expired 1 minute 30 seconds ago (${new Date((NOW_S + 60) * 1000).toISOString().replace('.000Z', 'Z')})`,
      ])
    })

    it('suggests --method PUT for an upload link checked as GET', () => {
      const { err } = check(sign('in/a.bin', { method: 'put' }))
      expect(err).toEqual([`refused (ERR_METHOD_NOT_ALLOWED): ${REFUSAL_TEXTS.ERR_METHOD_NOT_ALLOWED.explanation}`])
      expect(err[0]).toContain('try --method PUT')
    })

    it('names the key id a link asks for when no key given has it', () => {
      const link = sign('a.png', {}, { id: 'k2', secret: KEY })
      expect(check(link).err[0]).toBe(
        `refused (ERR_SIGNATURE_INVALID): ${REFUSAL_TEXTS.ERR_SIGNATURE_INVALID.explanation} (the link names key id "k2": give that key with --key-id k2, or in SIGNING_KEYS as k2:<secret>)`,
      )
    })

    it('says a link without a key id was checked against a key that has one', () => {
      const signer = createSigner({ key: { id: 'k1', secret: KEY }, now: () => NOW_MS })
      expect(check(sign('a.png'), { keyIds: ['k1'] }, signer).err[0]).toMatch(
        / \(the link names no key id, but the key given has the id k1\)$/,
      )
    })

    it('explains a link that is not one at all', () => {
      expect(check('/a.png').err).toEqual([
        `refused (ERR_SIGNATURE_MISSING): ${REFUSAL_TEXTS.ERR_SIGNATURE_MISSING.explanation}`,
      ])
    })
  })
})
