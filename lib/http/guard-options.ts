// Reading a guard's options, once, when the middleware is made: every bad value is a TypeError naming the option
// and the factory, before a request comes.
import { forwardRefusal, respondRefused } from './refusal.js'
import { cookieName } from './set-grant-cookie.js'
import type { RejectHandler } from './middleware.js'
import { asOptions, assertKnownOptions, booleanOption, describeValue, kind } from '../util/option-checks.js'
import { buildSigner, toleranceOf, type Signer } from '../signer/signer.js'
import { SIGNER_OPTIONS, type SignerOptions } from '../signer/signer-options.js'
import { MAX_CLOCK_TOLERANCE } from '../link/link-lifetime.js'
import { storeOf, type LinkStore } from '../store/link-store.js'
import { defaultStore } from '../store/memory-store.js'

/** Options shared by both guards: where the signer comes from, and how refusals look. */
export type GuardOptions = (
  | {
      /** A signer from `createSigner` (the guards only call its `verify`). */ signer: Pick<Signer, 'verify'>
      /** Not with `signer`: give the key to `createSigner`. */ key?: never
      /** Not with `signer`: give the keys to `createSigner`. */ keys?: never
    }
  | (SignerOptions & {
      /** Not with the signer's options, which build one. */ signer?: never
    })
) & {
  /** Status for every refusal: 403, or 404 to hide that the path exists. Default `403`. */
  status?: 403 | 404
  /** Status for a valid but expired link: 403, 404 or 410. Default: `status`. */
  expiredStatus?: 403 | 404 | 410
  /** Replaces the default refusal (a short text body with `Cache-Control: no-store`). */
  onReject?: RejectHandler
  /**
   * Sends every refusal to `next(err)` (a SignedUrlError with `status` set), so the app's error handler renders
   * it, instead of the default refusal. Not with `onReject`. Default `false`.
   */
  forwardRefusals?: boolean
  /** Name of the folder-grant cookie (see `res.locals.grantAccess`). Default `'signed-grant'`. */
  grantCookie?: string
  /**
   * Where revocations and use counts are kept: `createMemoryStore()` (one process) or `createRedisStore()` (many).
   * Default: one memory store shared by every guard of this process given none.
   */
  store?: LinkStore
  /**
   * Refuse every link (503, `ERR_STORE_UNAVAILABLE`) while this process's copy of the revocations may be behind
   * (cut off from a shared store). Default `false`: links are checked against the copy as it stands.
   */
  strictRevocation?: boolean
  /**
   * Serve a limited-use link without counting it when the store cannot answer. Default `false`: refused with 503
   * and `ERR_STORE_UNAVAILABLE`, as a link must never be served more often than it allows.
   */
  dangerouslyAllowWhenStoreDown?: boolean
}

/** Every option a guard takes: the signer's (one list, in signer-options), or a signer, and the guard's own. */
export const GUARD_OPTIONS: readonly string[] = [
  'signer',
  ...SIGNER_OPTIONS,
  'status',
  'expiredStatus',
  'onReject',
  'forwardRefusals',
  'grantCookie',
  'store',
  'strictRevocation',
  'dangerouslyAllowWhenStoreDown',
]

/** A guard's options as read: checked, with their defaults. */
export interface GuardSettings {
  signer: Pick<Signer, 'verify'>
  /** Seconds past a link's expiry that the signer still accepts it. */
  tolerance: number
  status: 403 | 404
  expiredStatus: 403 | 404 | 410
  grantCookie: string
  onReject: RejectHandler
  store: LinkStore
  /** True when the guard was given no store, and uses the process's default one. */
  shared: boolean
  strict: boolean
  allowWhenDown: boolean
}

/** Reads and checks a guard's options; throws a TypeError naming the factory and the option. */
export function readGuardOptions(factory: string, options: unknown, known: ReadonlySet<string>): GuardSettings {
  const opts = asOptions<GuardOptions>(factory, options)
  assertKnownOptions(factory, opts, known)
  const signer = guardSigner(factory, opts)
  // A use count must outlive the last second the guard accepts its link: the signer's tolerance, or for a signer
  // not made by createSigner (one that cannot say), the most any may have.
  const tolerance = toleranceOf(signer, MAX_CLOCK_TOLERANCE)
  const status = pick(factory, 'status', opts.status, [403, 404], 403)
  const expiredStatus = pick(factory, 'expiredStatus', opts.expiredStatus, [403, 404, 410], status)
  const grantCookie = cookieName(factory, opts.grantCookie)
  const forward = booleanOption(factory, 'forwardRefusals', opts.forwardRefusals)
  if (forward && opts.onReject !== undefined)
    throw new TypeError(`${factory}: give either "onReject" or "forwardRefusals", not both`)
  const onReject = forward ? forwardRefusal : (opts.onReject ?? respondRefused)
  if (typeof onReject !== 'function')
    throw new TypeError(`${factory}: "onReject" must be a function, got ${describeValue(onReject)}`)
  const given = storeOf(factory, opts.store)
  const store = given ?? defaultStore()
  const strict = booleanOption(factory, 'strictRevocation', opts.strictRevocation)
  const allowWhenDown = booleanOption(factory, 'dangerouslyAllowWhenStoreDown', opts.dangerouslyAllowWhenStoreDown)
  const shared = given === undefined
  return { signer, tolerance, status, expiredStatus, grantCookie, onReject, store, shared, strict, allowWhenDown }
}

// The guard's signer: the one given, or one built from the signer options among the guard's (SIGNER_OPTIONS, so an
// option added to the signer reaches the guards without a second list).
function guardSigner(factory: string, opts: Readonly<Partial<GuardOptions>>): Pick<Signer, 'verify'> {
  const { signer } = opts as { signer?: Pick<Signer, 'verify'> }
  const signerOptions: Record<string, unknown> = {}
  for (const name of SIGNER_OPTIONS) signerOptions[name] = (opts as Record<string, unknown>)[name]
  if (signer === undefined) return buildSigner(factory, signerOptions)
  // Options beside a signer would be silently ignored: the signer was configured when it was created.
  const ignored = Object.keys(signerOptions).filter((name) => signerOptions[name] !== undefined)
  if (ignored.length > 0) {
    throw new TypeError(
      `${factory}: give either "signer" or signer options, not both: set ${ignored.map((n) => `"${n}"`).join(', ')} in createSigner()`,
    )
  }
  if (typeof signer !== 'object' || signer === null || typeof signer.verify !== 'function') {
    throw new TypeError(`${factory}: "signer" must come from createSigner(), got ${kind(signer)}`)
  }
  return signer
}

function pick<T extends number>(factory: string, name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback
  if (!allowed.includes(value as T)) {
    throw new TypeError(`${factory}: "${name}" must be one of ${allowed.join(', ')}, got ${describeValue(value)}`)
  }
  return value as T
}
