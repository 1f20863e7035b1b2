// The verification steps, written once for both signers: parse, the grant fallback, which keys to try, the MAC
// before the expiry. Only the MAC check itself differs (node:crypto answers at once, Web Crypto asynchronously), so
// the steps are a generator that yields each MAC check and is answered with whether it matched.
import { decodeSignature } from './base64url.js'
import type { ParsedLink } from './link-format.js'
import { refuse, type SignerCore, type VerifyOptions, type VerifyResult } from './signer-core.js'

/** One MAC to check: does `signature` (32 bytes) sign `message` under `key`? */
export interface MacCheck<K> {
  readonly key: K
  readonly message: string
  readonly signature: Uint8Array
}

/** The steps of one verification: yields MAC checks, is answered with their outcome, returns the result. */
export type Verification<K> = Generator<MacCheck<K>, VerifyResult, boolean>

/** The steps of verifying a URL, or the grants given with it. */
export function* verification<K>(core: SignerCore<K>, url: string, options: VerifyOptions | undefined): Verification<K> {
  const link = core.prepareVerify(url, options)
  if (!('ok' in link)) return yield* checkLink(core, link)
  const grants = options?.grants
  if (link.error.code !== 'ERR_SIGNATURE_MISSING' || grants === undefined) return link
  // A URL without a signature may be covered by a folder grant: the first good one wins; otherwise the refusal of
  // the last grant that covered the path (forged, expired), or the missing signature if none did.
  let result: VerifyResult = link
  for (const grant of core.grantsFor(url, grants)) {
    result = yield* checkLink(core, grant)
    if (result.ok) return result
  }
  return result
}

function* checkLink<K>(core: SignerCore<K>, link: ParsedLink): Verification<K> {
  const signature = new Uint8Array(32)
  if (!decodeSignature(link.signature, signature)) return refuse('ERR_QUERY_MALFORMED')
  const { ring } = core
  // A link that names its key costs one HMAC, whatever the number of keys; an unknown id is just a bad signature.
  const byId = link.kid === undefined ? undefined : ring.byId.get(link.kid)
  const keys = link.kid === undefined ? ring.anonymous : byId === undefined ? [] : [byId]
  let matched = false
  for (const key of keys) {
    if (yield { key, message: link.message, signature }) {
      matched = true
      break
    }
  }
  return core.finishVerify(link, matched)
}

/** Runs verification steps with a synchronous MAC check. */
export function runSync<K>(steps: Verification<K>, matches: (check: MacCheck<K>) => boolean): VerifyResult {
  let step = steps.next()
  while (step.done !== true) step = steps.next(matches(step.value))
  return step.value
}

/** Runs verification steps with an asynchronous MAC check. */
export async function runAsync<K>(steps: Verification<K>, matches: (check: MacCheck<K>) => Promise<boolean>): Promise<VerifyResult> {
  let step = steps.next()
  while (step.done !== true) step = steps.next(await matches(step.value))
  return step.value
}
