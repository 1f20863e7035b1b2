import { sixtet } from '../util/base64url.js'
import { describeValue, kind } from '../util/option-checks.js'

/** True for a key id: 1 to 32 characters of `A-Z a-z 0-9 _ -`. */
export function isKeyId(text: string): boolean {
  if (text.length === 0 || text.length > 32) return false
  for (let i = 0; i < text.length; i++) if (sixtet(text, i) < 0) return false
  return true
}

/** A node:crypto `KeyObject`, known by its shape so this module needs no `node:` import (the web entry uses it). */
export interface KeyObjectLike {
  /** `'secret'` for a key this package takes. */ readonly type: string
  /** The key's length in bytes: at least 32. */ readonly symmetricKeySize?: number
  /** The key's bytes, read once when the signer is made. */ export(): unknown
}

/**
 * A secret: a string (its UTF-8 bytes are the key), bytes, or (in Node) a secret `KeyObject`; at least 32 bytes.
 */
export type Secret = string | Uint8Array | KeyObjectLike

/** A secret with a key id: links it signs carry `kid=<id>`, and verifying them costs one HMAC. */
export interface IdentifiedSecret {
  /** 1 to 32 characters of `A-Z a-z 0-9 _ -`. */
  id: string
  /** The secret itself, at least 32 bytes. */ secret: Secret
}

/** A validated secret: its bytes, or the KeyObject it came as. */
export type KeyMaterial = { bytes: Uint8Array; keyObject?: never } | { keyObject: KeyObjectLike; bytes?: never }

/** Which keys sign and verify: the first key signs, every key verifies (so rotation breaks no link). */
export interface KeyRing<K> {
  readonly signing: K
  /** The signing key's id, when it has one: its links carry `kid`. */
  readonly signingId: string | undefined
  /** Keys with ids, for links that name one. */
  readonly byId: ReadonlyMap<string, K>
  /** Keys without ids, tried in turn for links that name none (plain v1 links). */
  readonly anonymous: readonly K[]
}

const MIN_BYTES = 32

/**
 * Builds the key ring once, from exactly one of `key` or `keys`, turning each secret into the key type of the
 * caller's crypto (`toKey`). Throws a TypeError naming the option when a secret is missing, of the wrong type, or
 * shorter than 32 bytes, or a key id is malformed or repeated; the message never contains the secret.
 */
export function createKeyRing<K>(
  factory: string,
  options: { key?: unknown; keys?: unknown },
  toKey: (material: KeyMaterial) => K,
): KeyRing<K> {
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

  const byId = new Map<string, K>()
  const anonymous: K[] = []
  let signing: K | undefined
  let signingId: string | undefined
  entries.forEach((entry, i) => {
    const name = keys === undefined ? 'key' : `keys[${i}]`
    if (isIdentified(entry)) {
      const extra = Object.getOwnPropertyNames(entry).filter((field) => field !== 'id' && field !== 'secret')
      if (extra.length > 0)
        throw new TypeError(
          `${factory}: "${name}" takes { id, secret }, not "${extra[0]}"${extra[0] === 'kid' ? ' (did you mean "id"?)' : ''}`,
        )
    }
    const { id, secret } = isIdentified(entry) ? entry : { id: undefined, secret: entry }
    const converted = toKey(toMaterial(factory, id === undefined ? name : `${name}.secret`, secret))
    if (id === undefined) {
      anonymous.push(converted)
    } else {
      if (typeof id !== 'string' || !isKeyId(id)) {
        throw new TypeError(
          `${factory}: "${name}.id" must be 1 to 32 characters of A-Z a-z 0-9 _ -, got ${describeValue(id)}`,
        )
      }
      if (byId.has(id)) throw new TypeError(`${factory}: "${name}.id" repeats the key id "${id}"`)
      byId.set(id, converted)
    }
    if (i === 0) [signing, signingId] = [converted, id]
  })
  return { signing: signing as K, signingId, byId, anonymous }
}

function isKeyObjectLike(value: unknown): value is KeyObjectLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as KeyObjectLike).export === 'function' &&
    typeof (value as KeyObjectLike).type === 'string'
  )
}

// By tag, not instanceof: bytes made in another realm (a vm context, an edge runtime's host) are bytes too.
function isBytes(value: unknown): value is Uint8Array {
  return ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]'
}

function isIdentified(entry: unknown): entry is IdentifiedSecret {
  return (
    typeof entry === 'object' &&
    entry !== null &&
    !isBytes(entry) &&
    !isKeyObjectLike(entry) &&
    ('id' in entry || 'secret' in entry || 'kid' in entry)
  )
}

function toMaterial(factory: string, name: string, secret: unknown): KeyMaterial {
  // Strings are taken as their UTF-8 bytes, never decoded as hex or base64: a guess there silently
  // changes the key's strength.
  let material: KeyMaterial
  let size: number
  if (typeof secret === 'string') {
    // What a runtime makes of bytes that are not UTF-8 (an environment variable, a shell argument): every such
    // key would become the same run of U+FFFD, so it is refused, never used.
    if (secret.includes('\ufffd') || !secret.isWellFormed())
      throw new TypeError(
        `${factory}: "${name}" holds U+FFFD or a lone surrogate: bytes that were not UTF-8? Give the key as a Buffer, or in base64url`,
      )
    material = { bytes: new TextEncoder().encode(secret) }
  } else if (isBytes(secret)) material = { bytes: new Uint8Array(secret) }
  else if (isKeyObjectLike(secret)) material = { keyObject: secret }
  else
    throw new TypeError(`${factory}: "${name}" must be a string, a Buffer or a secret KeyObject, got ${kind(secret)}`)

  if (material.keyObject !== undefined) {
    if (material.keyObject.type !== 'secret') {
      throw new TypeError(`${factory}: "${name}" must be a secret KeyObject, got a ${material.keyObject.type} key`)
    }
    size = material.keyObject.symmetricKeySize ?? 0
  } else {
    size = material.bytes.length
  }
  if (size < MIN_BYTES) throw new TypeError(`${factory}: "${name}" must be at least ${MIN_BYTES} bytes, got ${size}`)
  return material
}

/**
 * Reads a key ring from text, as kept in an environment variable such as `SIGNING_KEYS`: entries separated by
 * commas, newest first, each a plain secret or `id:secret`. Spaces around entries are dropped. The same grammar
 * is read by the nginx and Worker examples, so one variable gives every engine the same ring. Throws a TypeError
 * naming `name` on an empty list or entry, or on a `:` not preceded by a key id; the message quotes no key text.
 *
 * @example
 * createSigner({ keys: parseKeyList(process.env.SIGNING_KEYS, 'SIGNING_KEYS') })
 */
export function parseKeyList(text: unknown, name = 'keys'): (string | IdentifiedSecret)[] {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new TypeError(
      `parseKeyList: ${name} must be a non-empty list of secrets (comma-separated, newest first), got ${kind(text)}`,
    )
  }
  return text.split(',').map((raw, i) => {
    const entry = raw.trim()
    if (entry === '') throw new TypeError(`parseKeyList: ${name} entry ${i + 1} is empty`)
    const colon = entry.indexOf(':')
    if (colon === -1) return entry
    // A secret in the list never holds ':' (base64 and hex don't): text before it must be a key id.
    if (!isKeyId(entry.slice(0, colon))) {
      throw new TypeError(
        `parseKeyList: ${name} entry ${i + 1} has a ':' after something that is not a key id (1 to 32 characters of A-Z a-z 0-9 _ -)`,
      )
    }
    return { id: entry.slice(0, colon), secret: entry.slice(colon + 1) }
  })
}
