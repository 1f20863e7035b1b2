// The verification steps, written once for both signers: parse, the grant fallback, which keys to try, the MAC
// before the expiry. Only the MAC check itself differs (node:crypto answers at once, Web Crypto asynchronously), so
// the steps are a generator that yields each MAC check and is answered with whether it matched.
import { decodeSignature, isCanonicalSignature } from '../util/base64url.js'
import type { ParsedLink } from '../link/link-fields.js'
import { readSignedLink } from '../link/link-reader.js'
import { refuse } from '../util/errors.js'
import type { SignerCore } from './signer-core.js'
import type { VerifyOptions, VerifyResult } from './signer-options.js'

/** One MAC to check: does `signature` (32 bytes) sign `message` under `key`? */
export interface MacCheck<K> {
  readonly key: K
  readonly message: string
  readonly signature: Uint8Array
}

/** The steps of one verification: yields MAC checks, is answered with their outcome, returns the result. */
export type Verification<K> = Generator<MacCheck<K>, VerifyResult, boolean>

/** The steps of verifying a URL, or the grants given with it. */
export function* verification<K>(
  core: SignerCore<K>,
  url: string,
  options: VerifyOptions | undefined,
): Verification<K> {
  const link = core.prepareVerify(url, options)
  if ('ok' in link) return link
  let candidates: readonly ParsedLink[]
  let result: VerifyResult | undefined
  if (!('unsigned' in link)) {
    candidates = [link]
  } else {
    // A URL without a signature may be covered by a folder grant: the first good one wins; otherwise the refusal
    // of the last grant that covered the path (forged, expired), or the missing signature if none did.
    const grants = options?.grants
    if (grants === undefined) return refuse('ERR_SIGNATURE_MISSING')
    candidates = core.grantsFor(link.unsigned, grants)
    if (candidates.length === 0) return refuse('ERR_SIGNATURE_MISSING')
  }
  for (const candidate of candidates) {
    const signature = new Uint8Array(32)
    if (!decodeSignature(candidate.signature, signature)) {
      result = refuse('ERR_QUERY_MALFORMED')
      continue
    }
    const keys = core.keysFor(candidate.kid)
    let matched = false
    for (let i = 0; i < keys.length && !matched; i++)
      matched = yield { key: keys[i], message: candidate.message, signature }
    result = core.finishVerify(candidate, matched, options)
    if (result.ok) return result
  }
  // Set by now: a link is always checked, and grants start from the missing signature. (No refusal is built
  // ahead of need: an Error with its stack trace is the costly part of a refusal.)
  return result ?? refuse('ERR_SIGNATURE_INVALID')
}

/** Runs verification steps with a synchronous MAC check. */
export function runSync<K>(steps: Verification<K>, matches: (check: MacCheck<K>) => boolean): VerifyResult {
  let step = steps.next()
  while (step.done !== true) step = steps.next(matches(step.value))
  return step.value
}

/** Runs verification steps with an asynchronous MAC check. */
export async function runAsync<K>(
  steps: Verification<K>,
  matches: (check: MacCheck<K>) => Promise<boolean>,
): Promise<VerifyResult> {
  let step = steps.next()
  while (step.done !== true) step = steps.next(await matches(step.value))
  return step.value
}

/**
 * The fast path of a synchronous verify: a link in the shape a signer writes (see `readSignedLink`), requested
 * with the method it allows (GET or HEAD for a GET link, PUT for an upload link), checked by the same steps (its
 * keys, the MAC before the expiry). Undefined for anything else, which takes the general steps: it never decides
 * what they would decide otherwise.
 */
export function verifyPlainSync<K>(
  core: SignerCore<K>,
  url: string,
  options: VerifyOptions | undefined,
  matches: (key: K, message: string, text: string, at: number) => boolean | undefined,
): VerifyResult | undefined {
  const method = options?.method
  const reads = method === undefined || method === 'GET' || method === 'HEAD'
  if ((!reads && method !== 'PUT') || typeof url !== 'string') return undefined
  const link = readSignedLink(url)
  if (link === undefined || (link.method === 'put') === reads) return undefined
  const keys = core.keysFor(link.kid)
  let matched: boolean | undefined = false
  for (let i = 0; i < keys.length && matched === false; i++)
    matched = matches(keys[i], link.message, url, link.signatureAt)
  // A signature in another spelling than its one is the general steps' to refuse (as malformed); so is one no key
  // was tried on (an unknown key id), whose spelling is checked here.
  if (matched === undefined || (keys.length === 0 && !isCanonicalSignature(link.signature))) return undefined
  return core.finishVerify(link, matched, options)
}
