import { createSecretKey, KeyObject } from 'node:crypto'
import { kind } from './options'

/** A secret: a string (its UTF-8 bytes are the key), bytes, or a secret `KeyObject`; at least 32 bytes. */
export type Secret = string | Uint8Array | KeyObject

/** Which keys sign and verify: the first key signs, every key verifies (so rotation breaks no link). */
export interface KeyRing {
  readonly signing: KeyObject
  readonly verifying: readonly KeyObject[]
}

const MIN_BYTES = 32

/**
 * Builds the key ring once, from exactly one of `key` or `keys`. Throws a TypeError naming the option when a
 * secret is missing, of the wrong type, or shorter than 32 bytes; the message never contains the secret.
 */
export function createKeyRing(factory: string, options: { key?: unknown; keys?: unknown }): KeyRing {
  const { key, keys } = options
  if (key !== undefined && keys !== undefined) {
    throw new TypeError(`${factory}: give either "key" or "keys", not both`)
  }
  if (keys !== undefined) {
    if (!Array.isArray(keys) || keys.length === 0) {
      throw new TypeError(`${factory}: "keys" must be a non-empty array of secrets, newest first, got ${kind(keys)}`)
    }
    const verifying = keys.map((secret, i) => toKeyObject(factory, `keys[${i}]`, secret))
    return { signing: verifying[0], verifying }
  }
  if (key === undefined) {
    throw new TypeError(`${factory}: a secret is required: pass "key" (or "keys" to rotate)`)
  }
  const signing = toKeyObject(factory, 'key', key)
  return { signing, verifying: [signing] }
}

function toKeyObject(factory: string, name: string, secret: unknown): KeyObject {
  // Strings are taken as their UTF-8 bytes, never decoded as hex or base64: a guess there silently
  // changes the key's strength.
  let keyObject: KeyObject
  if (typeof secret === 'string') keyObject = createSecretKey(Buffer.from(secret, 'utf8'))
  else if (secret instanceof Uint8Array) keyObject = createSecretKey(Buffer.from(secret))
  else if (secret instanceof KeyObject) keyObject = secret
  else throw new TypeError(`${factory}: "${name}" must be a string, a Buffer or a secret KeyObject, got ${kind(secret)}`)

  if (keyObject.type !== 'secret') {
    throw new TypeError(`${factory}: "${name}" must be a secret KeyObject, got a ${keyObject.type} key`)
  }
  const bytes = keyObject.symmetricKeySize ?? 0
  if (bytes < MIN_BYTES) {
    throw new TypeError(`${factory}: "${name}" must be at least ${MIN_BYTES} bytes, got ${bytes}`)
  }
  return keyObject
}
