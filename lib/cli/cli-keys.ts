// The command line's key: SIGNING_KEYS, SIGNING_KEY or --key-file, never an argument.
import { readFileSync } from 'node:fs'
import { parseKeyList, type IdentifiedSecret, type Secret } from '../crypto/keys.js'

/** The ring: SIGNING_KEYS as the guards read it, or one key (SIGNING_KEY or --key-file) with an optional --key-id. */
export function readKeys(
  keyFile: string | undefined,
  keyId: string | undefined,
  env: NodeJS.ProcessEnv,
): (Secret | IdentifiedSecret)[] {
  if (env.SIGNING_KEYS) {
    if (env.SIGNING_KEY || keyFile !== undefined)
      throw new Error('give the key once: SIGNING_KEYS, SIGNING_KEY or --key-file, not two of them')
    if (keyId !== undefined) throw new Error('--key-id is for one key: SIGNING_KEYS names its ids as id:secret')
    return parseKeyList(env.SIGNING_KEYS, 'SIGNING_KEYS')
  }
  const secret = readKey(keyFile, env)
  return [keyId === undefined ? secret : { id: keyId, secret }]
}

/** createSigner's key options for a ring read by readKeys: `key` for one, `keys` for several. */
export function keyOptions(
  keys: (Secret | IdentifiedSecret)[],
): { key: Secret | IdentifiedSecret } | { keys: (Secret | IdentifiedSecret)[] } {
  return keys.length === 1 ? { key: keys[0] } : { keys }
}

function readKey(keyFile: string | undefined, env: NodeJS.ProcessEnv): string | Uint8Array {
  if (keyFile !== undefined && env.SIGNING_KEY)
    throw new Error('give the key once: SIGNING_KEY or --key-file, not both')
  if (keyFile !== undefined) {
    // The file's bytes, as they are: decoding them as text would turn every non-UTF-8 byte into U+FFFD.
    let bytes = readFileSync(keyFile)
    if (bytes.at(-1) === 0x0a) bytes = bytes.subarray(0, bytes.at(-2) === 0x0d ? -2 : -1)
    return bytes
  }
  if (env.SIGNING_KEY) return env.SIGNING_KEY
  throw new Error('no key: set SIGNING_KEY or SIGNING_KEYS, or pass --key-file <file>')
}
