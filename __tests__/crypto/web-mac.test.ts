import { createHmac } from 'node:crypto'
import { webMacBase64Url, webMacKey, webMacMatcher } from '../../lib/crypto/web-mac'
import { KEY, vectors } from '../support/helpers'

const { subtle } = globalThis.crypto
const bytes = new TextEncoder().encode(KEY)

describe('web-mac', () => {
  it('reproduces every vector', async () => {
    for (const vector of vectors) {
      const key = webMacKey(subtle, { bytes: new TextEncoder().encode(vector.key) })
      expect(await webMacBase64Url(subtle, key, vector.stringToSign)).toBe(vector.signature)
    }
  })

  it('matches exactly its own MAC, however many keys one matcher tries', async () => {
    const key = webMacKey(subtle, { bytes })
    const other = webMacKey(subtle, { bytes: bytes.subarray(1) })
    const message = 'private/é.png?expiry=1767229200&method=get'
    const signature = createHmac('sha256', KEY).update(message).digest()
    const matches = webMacMatcher(subtle)
    expect(await matches({ key: other, message, signature })).toBe(false)
    expect(await matches({ key, message, signature })).toBe(true)
    expect(await matches({ key, message: `${message}x`, signature })).toBe(false)
    const flipped = Uint8Array.from(signature)
    flipped[31] ^= 0x80
    expect(await matches({ key, message, signature: flipped })).toBe(false)
  })

  it('refuses a KeyObject, which only Node has', () => {
    const keyObject = { type: 'secret', export: () => Buffer.alloc(32) }
    expect(() => webMacKey(subtle, { keyObject })).toThrow(/createWebSigner: a KeyObject is Node-only/)
  })

  it('leaves a failed import to reject where the key is awaited, not as an unhandled rejection', async () => {
    const failing = { importKey: () => Promise.reject(new Error('no HMAC here')) } as unknown as SubtleCrypto
    const key = webMacKey(failing, { bytes })
    await expect(webMacBase64Url(subtle, key, 'x')).rejects.toThrow('no HMAC here')
  })
})
