import { createSecretKey, KeyObject } from 'node:crypto'
import { describe, kind } from './options'

/** A secret: a string (its UTF-8 bytes are the key), bytes, or a secret `KeyObject`; at least 32 bytes. */
export type Secret = string | Uint8Array | KeyObject

/** A secret with a key id: links it signs carry `kid=<id>`, and verifying them costs one HMAC. */
export interface IdentifiedSecret {
  /** 1 to 32 characters of `A-Z a-z 0-9 _ -`. */
  id: string
  secret: Secret
}

/** Which keys sign and verify: the first key signs, every key verifies (so rotation breaks no link). */
export interface KeyRing {
  readonly signing: KeyObject
  /** The signing key's id, when it has one: its links carry `kid`. */
  readonly signingId: string | undefined
  /** Keys with ids, for links that name one. */
  readonly byId: ReadonlyMap<string, KeyObject>
  /** Keys without ids, tried in turn for links that name none (plain v1 links). */
  readonly anonymous: readonly KeyObject[]
}

const MIN_BYTES = 32
export const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/

/**
 * Builds the key ring once, from exactly one of `key` or `keys`. Throws a TypeError naming the option when a
 * secret is missing, of the wrong type, or shorter than 32 bytes, or a key id is malformed or repeated; the
 * message never contains the secret.
 */
export function createKeyRing(factory: string, options: { key?: unknown; keys?: unknown }): KeyRing {
  const { key, keys } = options
  if (key !== undefined && keys !== undefined) {
    throw new TypeError(`${factory}: give either "key" or "keys", not both`)
  }
  let entries: unknown[]
  if (keys !== undefined) {
    if (!Array.isArray(keys) || keys.length === 0) {
      throw new TypeError(`${factory}: "keys" must be a non-empty array of secrets, newest first, got ${kind(keys)}`)
    }
    entries = keys
  } else if (key === undefined) {
    throw new TypeError(`${factory}: a secret is required: pass "key" (or "keys" to rotate)`)
  } else {
    entries = [key]
  }

  const byId = new Map<string, KeyObject>()
  const anonymous: KeyObject[] = []
  let signing: KeyObject | undefined
  let signingId: string | undefined
  entries.forEach((entry, i) => {
    const name = keys === undefined ? 'key' : `keys[${i}]`
    const { id, secret } = isIdentified(entry) ? entry : { id: undefined, secret: entry }
    const keyObject = toKeyObject(factory, id === undefined ? name : `${name}.secret`, secret)
    if (id === undefined) {
      anonymous.push(keyObject)
    } else {
      if (typeof id !== 'string' || !KEY_ID.test(id)) {
        throw new TypeError(`${factory}: "${name}.id" must be 1 to 32 characters of A-Z a-z 0-9 _ -, got ${describe(id)}`)
      }
      if (byId.has(id)) throw new TypeError(`${factory}: "${name}.id" repeats the key id "${id}"`)
      byId.set(id, keyObject)
    }
    if (i === 0) [signing, signingId] = [keyObject, id]
  })
  return { signing: signing!, signingId, byId, anonymous }
}

function isIdentified(entry: unknown): entry is IdentifiedSecret {
  return typeof entry === 'object' && entry !== null && !(entry instanceof Uint8Array) && !(entry instanceof KeyObject) &&
    ('id' in entry || 'secret' in entry)
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
