import { createHmac, createSecretKey } from 'node:crypto'
import fc from 'fast-check'
import * as mac from '../../lib/crypto/mac'
import { KEY, vectors } from '../support/helpers'

const bytes = new TextEncoder().encode(KEY)

// The module as it is on a runtime whose node:crypto has no one-shot hash: the createHmac fallback.
function withoutOneShot(): typeof mac {
  let fallback: typeof mac | undefined
  jest.isolateModules(() => {
    jest.doMock('node:crypto', () => {
      const rest: Partial<typeof import('node:crypto')> = { ...jest.requireActual('node:crypto') }
      delete rest.hash
      return rest
    })
    fallback = jest.requireActual<typeof mac>('../../lib/crypto/mac')
  })
  jest.dontMock('node:crypto')
  return fallback!
}

const implementations: Array<[string, typeof mac]> = [
  ['one-shot hash', mac],
  ['createHmac fallback', withoutOneShot()],
]

// Messages as links have them and worse: ASCII, any Unicode, lone surrogates (written as U+FFFD by both).
const message = fc.oneof(
  fc.string({ maxLength: 2000 }),
  fc.string({ unit: 'binary', maxLength: 700 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 700 }),
)

describe.each(implementations)('mac (%s)', (_, { macBase64Url, macKey, macMatches, macMatchesText }) => {
  it('reproduces every vector from the key bytes and from a KeyObject', () => {
    for (const vector of vectors) {
      const secret = new TextEncoder().encode(vector.key)
      for (const key of [macKey({ bytes: secret }), macKey({ keyObject: createSecretKey(secret) })])
        expect(macBase64Url(key, vector.stringToSign)).toBe(vector.signature)
    }
  })

  it('gives exactly createHmac bytes for random keys (0 to 2,000 bytes) and messages (0 to 2,000 characters)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(message, { minLength: 1, maxLength: 4 }),
        (secret, messages) => {
          // One key for several messages, long and short: a buffer grown for one must not spoil the next.
          const key = macKey({ bytes: secret })
          for (const text of messages) {
            const expected = createHmac('sha256', secret).update(text).digest()
            expect(macBase64Url(key, text)).toBe(expected.toString('base64url'))
            expect(macMatches(key, text, expected)).toBe(true)
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  it('gives createHmac bytes past the one-shot bound too', () => {
    const key = macKey({ bytes })
    for (const length of [8191, 8192, 8193, 20000]) {
      const text = 'é'.repeat(length)
      expect(macBase64Url(key, text)).toBe(createHmac('sha256', KEY).update(text).digest('base64url'))
    }
  })

  it('matches exactly its own MAC', () => {
    const key = macKey({ bytes })
    const text = 'private/a.png?expiry=1767229200&method=get'
    const signature = createHmac('sha256', KEY).update(text).digest()
    expect(macMatches(key, text, signature)).toBe(true)
    for (let i = 0; i < 32; i++) {
      const flipped = Uint8Array.from(signature)
      flipped[i] ^= 1
      expect(macMatches(key, text, flipped)).toBe(false)
    }
    expect(macMatches(key, `${text}x`, signature)).toBe(false)
    expect(macMatches(key, text, signature.subarray(0, 31))).toBe(false)
    expect(macMatches(key, text, Buffer.concat([signature, Buffer.alloc(1)]))).toBe(false)
    expect(macMatches(macKey({ bytes: bytes.subarray(1) }), text, signature)).toBe(false)
  })

  it('matches exactly its own MAC as text, from where the signature begins', () => {
    const key = macKey({ bytes })
    for (const text of ['private/a.png?expiry=1767229200&method=get', 'é'.repeat(9000)]) {
      const signature = createHmac('sha256', KEY).update(text).digest('base64url')
      const url = `/x?${text}&signature=${signature}`
      const at = url.length - 43
      expect(macMatchesText(key, text, url, at)).toBe(true)
      // Another signature in its one spelling (the last character stays one of the 16 that end one): false.
      for (let i = 0; i < 43; i++) {
        const c = i === 42 ? (url[at + i] === 'A' ? 'E' : 'A') : url[at + i] === 'A' ? 'B' : 'A'
        expect(macMatchesText(key, text, `${url.slice(0, at + i)}${c}${url.slice(at + i + 1)}`, at)).toBe(false)
      }
      expect(macMatchesText(key, `${text}x`, url, at)).toBe(false)
      // Not a signature's spelling: undefined, for the caller to refuse as malformed. The last character carries 4
      // bits, so its other spellings (which decode to the same bytes) are no digest's; nor is a character outside
      // base64url, or a length other than 43.
      const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(url[url.length - 1])
      const sibling = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[last | 1]
      expect(macMatchesText(key, text, `${url.slice(0, -1)}${sibling}`, at)).toBeUndefined()
      for (const bad of ['=', '+', '/', '.', '\u00e9', '&'])
        expect(macMatchesText(key, text, `${url.slice(0, at + 5)}${bad}${url.slice(at + 6)}`, at)).toBeUndefined()
      expect(macMatchesText(key, text, url.slice(0, -1), at)).toBeUndefined()
      expect(macMatchesText(key, text, `${url}A`, at)).toBeUndefined()
    }
  })

  it('refuses a KeyObject that is not from node:crypto', () => {
    const fake = { type: 'secret', symmetricKeySize: 32, export: () => Buffer.alloc(32) }
    expect(() => macKey({ keyObject: fake })).toThrow(
      new TypeError('createSigner: a KeyObject must come from node:crypto'),
    )
  })
})

it('the fallback really is without the one-shot hash, and the default has it', () => {
  const fallback = withoutOneShot().macKey({ bytes })
  expect(fallback.outer).toHaveLength(0)
  expect(mac.macKey({ bytes }).outer).toHaveLength(96)
})
