import fc from 'fast-check'
import { createSigner } from 'express-signed-url'
import { parseLink } from '../../lib/link/link-format'
import { isCanonicalPath } from '../../lib/link/link-path'
import { NOW_MS } from '../support/helpers'

// CI runs a modest number of cases; FC_NUM_RUNS=100000 npm test -- properties runs a long local campaign.
const numRuns = Number(process.env.FC_NUM_RUNS ?? 300)
const settings = { numRuns }

/** A path character from anywhere in Unicode, with the few that can't be in a canonical path replaced. */
const segment = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom(..."aZ09-_.~ +%?#&=;:@!$'()*,é日"),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    ),
    minLength: 1,
    maxLength: 12,
  })
  .map((s) => s.toWellFormed().replace(/[\u0000-\u001f\u007f-\u009f\\/]/g, '_'))
  .map((s) => (s === '.' || s === '..' ? `${s}x` : s))
const canonicalPath = fc
  .tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([segments, folder]) => segments.join('/') + (folder ? '/' : ''))
const secret = fc.uint8Array({ minLength: 32, maxLength: 64 }).map((bytes) => Buffer.from(bytes))
const clock = fc.integer({ min: 1_500_000_000_000, max: 4_000_000_000_000 })
const ttl = fc.integer({ min: 1, max: 7 * 86400 })

describe('properties of sign and verify', () => {
  it('the path generator only makes canonical paths (so the properties below are about real links)', () => {
    fc.assert(
      fc.property(canonicalPath, (path) => isCanonicalPath(path)),
      settings,
    )
  })

  it('verify(sign(path)) returns the path and expiry, for any canonical path, key, clock and ttl', () => {
    fc.assert(
      fc.property(canonicalPath, secret, clock, ttl, (path, key, nowMs, seconds) => {
        const signer = createSigner({ key, now: () => nowMs })
        const result = signer.verify(signer.sign(path, { ttl: seconds }))
        const expiresAt = Math.floor(nowMs / 1000) + seconds
        expect(result).toEqual({ ok: true, path, expiresAt, secondsLeft: Math.floor(expiresAt - nowMs / 1000) })
        expect(expiresAt - nowMs / 1000).toBeGreaterThan(seconds - 1)
      }),
      settings,
    )
  })

  it('a link is refused by a signer with any other key', () => {
    fc.assert(
      fc.property(canonicalPath, secret, secret, (path, key, other) => {
        fc.pre(!key.equals(other))
        const link = createSigner({ key, now: () => NOW_MS }).sign(path)
        expect(createSigner({ key: other, now: () => NOW_MS }).verify(link)).toMatchObject({
          ok: false,
          error: { code: 'ERR_SIGNATURE_INVALID' },
        })
      }),
      settings,
    )
  })

  const signer = createSigner({ key: 'property-key-0123456789-0123456789-0123456789', now: () => NOW_MS })
  const anyChar = fc.oneof(
    fc.constantFrom(...'ABCabc012-_/%.?&=#+ é'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  )

  it('changing one character of the decoded path is refused', () => {
    fc.assert(
      fc.property(canonicalPath, fc.nat(), anyChar, (path, at, ch) => {
        const i = at % path.length
        fc.pre(path[i] !== ch)
        const [, query] = signer.sign(path).split('?')
        const changed = path.slice(0, i) + ch + path.slice(i + 1)
        const target = `/${changed
          .split('/')
          .map((s) => encodeURIComponent(s.toWellFormed()))
          .join('/')}?${query}`
        fc.pre(changed.toWellFormed() === changed)
        expect(signer.verify(target).ok).toBe(false)
      }),
      settings,
    )
  })

  it('changing one character of the expiry or the signature is refused', () => {
    fc.assert(
      fc.property(canonicalPath, fc.boolean(), fc.nat(), anyChar, (path, inExpiry, at, ch) => {
        const link = signer.sign(path)
        const field = inExpiry ? /expiry=(\d+)/.exec(link)! : /signature=([\w-]+)/.exec(link)!
        const start = field.index + field[0].length - field[1].length
        const i = start + (at % field[1].length)
        fc.pre(link[i] !== ch)
        expect(signer.verify(link.slice(0, i) + ch + link.slice(i + 1)).ok).toBe(false)
      }),
      settings,
    )
  })

  it('changing any one character of a link is refused, unless it only re-spells the same signed fields', () => {
    fc.assert(
      fc.property(canonicalPath, fc.nat(), anyChar, (path, at, ch) => {
        const link = signer.sign(path)
        const i = at % link.length
        fc.pre(link[i] !== ch)
        const mutated = link.slice(0, i) + ch + link.slice(i + 1)
        if (signer.verify(mutated).ok) expect(parseLink(mutated)).toEqual(parseLink(link))
      }),
      settings,
    )
  })

  const fragments = fc.constantFrom(
    '/',
    'a',
    'é',
    '..',
    '.',
    '%2e',
    '%2F',
    '%5C',
    '\\',
    '%',
    '%zz',
    '%C3%A9',
    '%00',
    '\u0000',
    '?',
    '&',
    '#',
    ';',
    '=',
    'expiry=',
    'expiry=1767229200',
    'method=get',
    'signature=',
    'signature=JAlvetgMrDoUCbglQ1WCmsFg_gDoM_pv_puL2rc6ksc',
    '1767229200',
    'http://x',
    '//',
  )
  const junk = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.array(fragments, { maxLength: 30 }).map((parts) => parts.join('')),
  )

  it('verify never throws and never accepts on arbitrary input', () => {
    fc.assert(
      fc.property(junk, fc.constantFrom('GET', 'HEAD', 'POST', 'get', ''), (url, method) => {
        const result = signer.verify(url, { method })
        expect(result.ok).toBe(false)
      }),
      settings,
    )
  })
})
