// The Node MAC: HMAC-SHA256 for the Node signer. Where node:crypto has the one-shot `crypto.hash` (Node 20.12,
// 21.7 and later), the MAC is computed as RFC 2104 defines it, H((K ^ opad) | H((K ^ ipad) | message)), from two
// one-shot hashes over buffers prepared once per key: building an Hmac object is most of createHmac's cost for a
// short message. Elsewhere, createHmac. Both give the same bytes (a property test holds them to it).
import * as crypto from 'node:crypto'
import { createHmac, createSecretKey, KeyObject, timingSafeEqual } from 'node:crypto'
import type { KeyMaterial } from './keys.js'
import { decodeSignature, sixtet } from '../util/base64url.js'

type OneShotHash = (algorithm: string, data: string | Uint8Array, outputEncoding: string) => string | Buffer
const hash = (crypto as { hash?: OneShotHash }).hash

const BLOCK = 64 // SHA-256's block size in bytes
const DIGEST = 32
// Messages up to this many UTF-16 code units take the one-shot path; longer ones (no URL is) use createHmac, so
// a key's buffer never grows past 64 + 3 * 8192 bytes.
const MAX_ONE_SHOT = 8192

/**
 * A key ready for HMAC-SHA256: the KeyObject (for createHmac), and for the one-shot path the padded key blocks
 * `K ^ ipad` and `K ^ opad` at the head of two buffers that the message and the inner digest are written after.
 * Those blocks are derived from the key and as secret as it; they live in this process's memory exactly as long
 * as the signer does, as the key itself does.
 */
export interface MacKey {
  readonly keyObject: KeyObject
  /** `K ^ ipad`, then room for a message; replaced by a larger one when a message does not fit. */
  inner: Buffer
  /** Views of `inner` by length, made once each: a view per call costs more than the hash of a short block. */
  views: Buffer[]
  /** `K ^ opad`, then the 32-byte inner digest. */
  readonly outer: Buffer
}

/** Prepares a validated secret once, at signer creation; throws a TypeError for a KeyObject from elsewhere. */
export function macKey(material: KeyMaterial): MacKey {
  let keyObject: KeyObject
  if (material.keyObject === undefined) keyObject = createSecretKey(material.bytes)
  else if (material.keyObject instanceof KeyObject) keyObject = material.keyObject
  else throw new TypeError('createSigner: a KeyObject must come from node:crypto')
  if (hash === undefined) return { keyObject, inner: Buffer.alloc(0), views: [], outer: Buffer.alloc(0) }
  // RFC 2104: a key longer than the block is replaced by its digest; then it is padded with zeros to the block.
  const bytes = material.bytes ?? keyObject.export()
  const block = Buffer.alloc(BLOCK)
  if (bytes.length > BLOCK) crypto.createHash('sha256').update(bytes).digest().copy(block)
  else block.set(bytes)
  const inner = Buffer.allocUnsafeSlow(BLOCK + 256)
  const outer = Buffer.allocUnsafeSlow(BLOCK + DIGEST)
  for (let i = 0; i < BLOCK; i++) {
    inner[i] = block[i] ^ 0x36
    outer[i] = block[i] ^ 0x5c
  }
  block.fill(0)
  return { keyObject, inner, views: [], outer }
}

// The outer hash's input for a message: `K ^ opad` followed by the inner digest (message at most MAX_ONE_SHOT).
function outerInput(key: MacKey, message: string, oneShot: OneShotHash): Buffer {
  // A UTF-16 code unit is at most 3 UTF-8 bytes, so this bound needs no pass over the message.
  if (BLOCK + message.length * 3 > key.inner.length) {
    const larger = Buffer.allocUnsafeSlow(BLOCK + message.length * 3)
    key.inner.copy(larger, 0, 0, BLOCK)
    key.inner.fill(0)
    key.inner = larger
    key.views = []
  }
  const length = BLOCK + key.inner.write(message, BLOCK, 'utf8')
  const view = (key.views[length] ??= key.inner.subarray(0, length))
  // The inner digest as a latin1 string is its 32 bytes one to a character, written after `K ^ opad` as they are.
  key.outer.write(oneShot('sha256', view, 'latin1') as string, BLOCK, 'latin1')
  return key.outer
}

/** The MAC of a message (its UTF-8 bytes), in base64url: a link's signature. */
export function macBase64Url(key: MacKey, message: string): string {
  if (hash === undefined || message.length > MAX_ONE_SHOT)
    return createHmac('sha256', key.keyObject).update(message).digest('base64url')
  return hash('sha256', outerInput(key, message, hash), 'base64url') as string
}

/**
 * Whether `signature` (32 bytes) is the MAC of `message`, compared in constant time: with createHmac, by
 * timingSafeEqual on the two 32-byte buffers; on the one-shot path, by the same algorithm in JavaScript (every one
 * of the 32 bytes compared, the differences OR-ed together, one branch on the total at the end), because asking
 * crypto.hash for a Buffer costs more than the hash itself while its latin1 string, one byte a character, is cheap.
 */
export function macMatches(key: MacKey, message: string, signature: Uint8Array): boolean {
  if (hash === undefined || message.length > MAX_ONE_SHOT) {
    // A length is no secret: only MACs of equal length are compared (timingSafeEqual throws on others).
    const digest = createHmac('sha256', key.keyObject).update(message).digest()
    return signature.length === DIGEST && timingSafeEqual(digest, signature)
  }
  const digest = hash('sha256', outerInput(key, message, hash), 'latin1') as string
  let difference = signature.length ^ DIGEST
  for (let i = 0; i < DIGEST; i++) difference |= digest.charCodeAt(i) ^ (signature[i] ?? 0)
  return difference === 0
}

const scratch = new Uint8Array(DIGEST)

/**
 * Whether the 43 base64url characters of `text` from `at` are the MAC of `message`: true or false, or undefined when
 * they are not a signature's one spelling (a character outside base64url, or a last character with bits a digest
 * never sets), which the caller leaves to the general steps. Compared in constant time as text: the one-shot hash
 * spells its digest in base64url, and each of the 43 characters is compared, the differences OR-ed together, one
 * branch on the total. The spelling is checked in the same loop, so a forged signature costs what a good one does.
 * No decoding of the signature first (90 ns of a 1.5 µs verify, measured).
 */
export function macMatchesText(key: MacKey, message: string, text: string, at: number): boolean | undefined {
  if (text.length - at !== 43) return undefined
  if (hash === undefined || message.length > MAX_ONE_SHOT)
    return decodeSignature(text, scratch, at) ? macMatches(key, message, scratch) : undefined
  const digest = hash('sha256', outerInput(key, message, hash), 'base64url') as string
  let difference = 0
  let spelling = sixtet(text, at + 42) & 3 // the last character's 2 bits no digest sets
  for (let i = 0; i < 43; i++) {
    const c = text.charCodeAt(at + i)
    difference |= digest.charCodeAt(i) ^ c
    spelling |= sixtet(text, at + i) & ~63 // -1 (every bit) for a character outside base64url
  }
  return spelling !== 0 ? undefined : difference === 0
}
