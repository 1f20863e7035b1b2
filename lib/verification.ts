// The verification steps, written once for both signers: parse, the grant fallback, which keys to try, the MAC
// before the expiry. Only the MAC check itself differs (node:crypto answers at once, Web Crypto asynchronously), so
// the steps are a generator that yields each MAC check and is answered with whether it matched.
import { decodeSignature } from './base64url.js'
import type { ParsedLink } from './link-format.js'
import { refuse } from './errors.js'
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
  let candidates: readonly ParsedLink[]
  let result: VerifyResult | undefined
  if (!('ok' in link)) {
    candidates = [link]
  } else {
    const grants = options?.grants
    if (link.error.code !== 'ERR_SIGNATURE_MISSING' || grants === undefined) return link
    // A URL without a signature may be covered by a folder grant: the first good one wins; otherwise the refusal
    // of the last grant that covered the path (forged, expired), or the missing signature if none did.
    candidates = core.grantsFor(url, grants)
    result = link
  }
  const { ring } = core
  for (const candidate of candidates) {
    const signature = new Uint8Array(32)
    if (!decodeSignature(candidate.signature, signature)) {
      result = refuse('ERR_QUERY_MALFORMED')
      continue
    }
    // A link that names its key costs one HMAC, whatever the number of keys; an unknown id is just a bad signature.
    const named = candidate.kid === undefined ? undefined : ring.byId.get(candidate.kid)
    const keys = candidate.kid === undefined ? ring.anonymous : named === undefined ? [] : [named]
    let matched = false
    for (let i = 0; i < keys.length && !matched; i++)
      matched = yield { key: keys[i], message: candidate.message, signature }
    result = core.finishVerify(candidate, matched)
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
