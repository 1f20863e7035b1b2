import { createWebSigner } from '../../lib/web'
import { createSigner, requireSignature, signedStatic, signUrls } from '../../lib/index'
import { GUARD_OPTIONS } from '../../lib/http/guard-options'
import { SIGNER_OPTIONS } from '../../lib/signer/signer-options'
import { KEY, SITE } from '../support/helpers'

// A bad value for each signer option, and what the message must name. The table must list exactly the names in
// SIGNER_OPTIONS, so an option added there without a check here fails the first test.
const BAD: Record<string, [unknown, RegExp]> = {
  key: [5, /"key" must be a string, a Buffer or a secret KeyObject/],
  keys: [5, /"keys" must be a non-empty array/],
  ttl: ['1.5h', /"ttl" must be/],
  maxTtl: ['soon', /"maxTtl" must be/],
  clockTolerance: [-1, /"clockTolerance" must be/],
  stableFor: ['1.5h', /"stableFor" must be/],
  baseUrl: ['ftp://x', /"baseUrl" must be an http\(s\) origin/],
  now: [5, /"now" must be a function/],
  stampIssued: ['yes', /"stampIssued" must be a boolean/],
}

const factories: Array<[string, (options: object) => unknown]> = [
  ['createSigner', (o) => createSigner(o as never)],
  ['createWebSigner', (o) => createWebSigner(o as never)],
  ['requireSignature', (o) => requireSignature(o as never)],
  ['signedStatic', (o) => signedStatic(SITE, o as never)],
  ['signUrls', (o) => signUrls(o as never)],
]

describe('signer-options', () => {
  it('the table of bad values covers every signer option', () => {
    expect(Object.keys(BAD).sort()).toEqual([...SIGNER_OPTIONS].sort())
  })

  it('the guards accept every signer option', () => {
    for (const name of SIGNER_OPTIONS) expect(GUARD_OPTIONS).toContain(name)
  })

  describe.each(factories)('%s', (factory, make) => {
    it.each(Object.entries(BAD))('checks "%s" as the signer does', (name, [value, message]) => {
      const base = name === 'key' || name === 'keys' ? {} : { key: KEY }
      expect(() => make({ ...base, [name]: value })).toThrow(TypeError)
      expect(() => make({ ...base, [name]: value })).toThrow(message)
    })

    it('refuses a clockTolerance beyond six hours, naming it and the bound', () => {
      for (const clockTolerance of [21601, '7h', '1d']) {
        expect(() => make({ key: KEY, clockTolerance })).toThrow(TypeError)
        expect(() => make({ key: KEY, clockTolerance })).toThrow(
          new RegExp(`^${factory}: "clockTolerance" must be at most 21600 s \\('6h'\\)`),
        )
      }
      expect(() => make({ key: KEY, clockTolerance: '6h' })).not.toThrow()
    })

    it('passes every good signer option through', () => {
      const options = {
        key: KEY,
        ttl: '10m',
        maxTtl: '1d',
        clockTolerance: 5,
        stableFor: '5m',
        baseUrl: 'https://x.example',
        now: () => 0,
      }
      expect(() => make(options)).not.toThrow()
    })
  })
})
