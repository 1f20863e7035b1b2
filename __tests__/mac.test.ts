import { createHmac, createSecretKey } from 'node:crypto'
import { macBase64Url, macKey, macMatches } from '../lib/mac'
import { KEY, vectors } from './helpers'

const bytes = new TextEncoder().encode(KEY)

describe('mac', () => {
  it('reproduces every vector from the key bytes and from a KeyObject', () => {
    for (const vector of vectors) {
      const secret = new TextEncoder().encode(vector.key)
      for (const key of [macKey({ bytes: secret }), macKey({ keyObject: createSecretKey(secret) })])
        expect(macBase64Url(key, vector.stringToSign)).toBe(vector.signature)
    }
  })

  it('matches exactly its own MAC', () => {
    const key = macKey({ bytes })
    const message = 'private/a.png?expiry=1767229200&method=get'
    const signature = createHmac('sha256', KEY).update(message).digest()
    expect(macMatches(key, message, signature)).toBe(true)
    for (let i = 0; i < 32; i++) {
      const flipped = Uint8Array.from(signature)
      flipped[i] ^= 1
      expect(macMatches(key, message, flipped)).toBe(false)
    }
    expect(macMatches(key, `${message}x`, signature)).toBe(false)
    expect(macMatches(macKey({ bytes: bytes.subarray(1) }), message, signature)).toBe(false)
  })

  it('refuses a KeyObject that is not from node:crypto', () => {
    const fake = { type: 'secret', symmetricKeySize: 32, export: () => Buffer.alloc(32) }
    expect(() => macKey({ keyObject: fake })).toThrow(
      new TypeError('createSigner: a KeyObject must come from node:crypto'),
    )
  })
})
