import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'
import { create as contentDisposition } from 'content-disposition'
import { grantsFromCookies } from '../link/grant-cookie.js'
import { cookieName } from './set-grant-cookie.js'
import { stackless, type SignedUrlError } from '../util/errors.js'
import { asOptions, assertKnownOptions, booleanOption, describeValue, kind } from '../util/option-checks.js'
import { logRefusal } from './refusal-log.js'
import { clientAddress, readRequestTarget } from './request-target.js'
import { forwardRefusal, respondRefused } from './refusal.js'
import { decodePath } from '../link/link-path.js'
import { localsOf } from './locals.js'
import { buildSigner, toleranceOf, type Signer } from '../signer/signer.js'
import { SIGNER_OPTIONS, type SignerOptions } from '../signer/signer-options.js'
import { MAX_CLOCK_TOLERANCE } from '../link/link-lifetime.js'
import { storeOf, type LinkStore } from '../store/link-store.js'
import { defaultStore } from '../store/memory-store.js'
import { createUseCounter, requestUses, type CountUses } from './use-count.js'
import type { Middleware, Next, RejectHandler, VerifiedLink } from './middleware.js'

/** Options shared by both guards: where the signer comes from, and how refusals look. */
export type GuardOptions = (
  | {
      /** A signer from `createSigner` (the guards only call its `verify`). */ signer: Pick<Signer, 'verify'>
      key?: never
      keys?: never
    }
  | (SignerOptions & { signer?: never })
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

/** Options of {@link requireSignature}. */
export type RequireSignatureOptions = GuardOptions

/** What a guard verified, and the headers of a served response: the link's lifetime, and its download name. */
export interface SignedHeaders {
  readonly cacheControl: string
  readonly contentDisposition?: string
  readonly link: VerifiedLink
  /** The target the next handler acts on (`req.url` in origin-form), as the guard read it once. */
  readonly served: string
}

/**
 * The file under `folder` (absolute) that a verified request acts on, as serve-static opens it: the served target
 * decoded once, and joined segment by segment. Undefined when the target does not decode.
 */
export function servedFile(folder: string, headers: SignedHeaders): { relative: string; file: string } | undefined {
  const relative = decodePath(headers.served.split('?')[0])
  return relative === undefined ? undefined : { relative, file: path.join(folder, ...relative.split('/')) }
}

/** A guard's per-request check: SignedHeaders, or undefined for a refusal it has answered (or passed on). */
export type Guard = ((req: IncomingMessage, res: ServerResponse, next: Next) => SignedHeaders | undefined) & {
  /** Refuses as the options say (a fixed `status` for refusals of a body, not of a link). */
  reject(error: SignedUrlError, req: IncomingMessage, res: ServerResponse, next: Next, status?: number): void
  /** Counts a limited-use link's uses (use-count.ts). */
  count: CountUses
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

/**
 * Refuses requests whose link is missing, forged, expired, not yet valid or bound to other addresses; passes the
 * rest on with `Cache-Control: private, max-age=<seconds left>` (and the link's `Content-Disposition`, which the
 * handler may still replace). Throws a TypeError on bad options.
 *
 * @example
 * app.get('/reports/:id.pdf', requireSignature({ key: process.env.SIGNING_KEY }), sendReport)
 */
export function requireSignature(options: Readonly<RequireSignatureOptions>): Middleware {
  const guard = createGuard('requireSignature', options, new Set(GUARD_OPTIONS))
  return function requireSignatureMiddleware(req, res, next) {
    const headers = guard(req, res, next)
    if (headers === undefined) return
    res.setHeader('Cache-Control', headers.cacheControl)
    if (headers.contentDisposition !== undefined) res.setHeader('Content-Disposition', headers.contentDisposition)
    // A limited-use link: here one use is one request the handler answers 2xx.
    const { uses } = headers.link
    if (uses === undefined) next()
    else guard.count(req, res, next, headers.link, requestUses(uses), 'response', () => next())
  }
}

/**
 * Answers whether a link may be served, without serving or counting it: 204, or the guard's refusal (revoked,
 * forged, expired...). For a front server that serves the files itself and asks the app first, such as nginx's
 * `auth_request` (examples/nginx/revocation.conf), which sends the original target as this request's. Limited-use
 * links are let through uncounted: the front server must count or refuse them (nginx refuses them). Throws a
 * TypeError on bad options.
 */
export function revocationCheck(options: Readonly<RequireSignatureOptions>): Middleware {
  const guard = createGuard('revocationCheck', options, new Set(GUARD_OPTIONS))
  return function revocationCheckMiddleware(req, res, next) {
    if (guard(req, res, next) === undefined) return
    res.statusCode = 204
    res.setHeader('Cache-Control', 'no-store')
    res.end()
  }
}

/** Validates the guard options once and returns the per-request check; throws a TypeError on bad options. */
export function createGuard(
  factory: string,
  options: unknown,
  known: ReadonlySet<string>,
  takes: 'reads' | 'PUT' = 'reads',
): Guard {
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

  function reject(error: SignedUrlError, req: IncomingMessage, res: ServerResponse, next: Next, fixed?: number): void {
    error.status = fixed ?? (error.code === 'ERR_URL_EXPIRED' ? expiredStatus : status)
    logRefusal(error, req)
    // What an earlier guard verified no longer holds for this request.
    const locals = (res as { locals?: Record<string, unknown> }).locals
    if (locals !== undefined && 'signedLink' in locals) delete locals.signedLink
    try {
      onReject(error, req, res, next)
    } catch (err) {
      next(err)
    }
  }

  const count = createUseCounter({
    factory,
    store,
    shared: given === undefined,
    tolerance,
    allowWhenDown,
    reject,
    unavailable,
  })

  return Object.assign(
    function check(req: IncomingMessage, res: ServerResponse, next: Next) {
      // One reading of the target, before any other work: the string verified is the one the routers cut their
      // mounts from and serve-static opens, and req.url is exactly what the mounts left of it.
      const target = readRequestTarget(req)
      if (typeof target === 'string') {
        reject(stackless(target), req, res, next)
        return undefined
      }
      let result
      try {
        // A signature in the URL is checked first; grant cookies are read only when the URL carries none.
        // Only a header as Node parses it (a string): a request object built by other code may hold anything.
        const cookie = (req.headers as IncomingMessage['headers'] | undefined)?.cookie
        const grants = typeof cookie === 'string' ? () => grantsFromCookies(cookie, grantCookie) : undefined
        // A request object without a method (made by other code) is refused, never taken as a GET.
        const method = typeof req.method === 'string' ? req.method : ''
        result = signer.verify(target.target, { method, grants, ip: () => clientAddress(req) })
      } catch (err) {
        next(err)
        return undefined
      }
      if (!result.ok) {
        reject(result.error, req, res, next)
        return undefined
      }
      // The guards only read: an upload link, even on a PUT it allows, is signedUpload's, never theirs.
      if ((result.method === 'put') !== (takes === 'PUT')) {
        reject(stackless('ERR_METHOD_NOT_ALLOWED'), req, res, next)
        return undefined
      }
      let revoked: boolean
      try {
        revoked = store.revoked(result)
      } catch {
        // A store that cannot say (one of the app's own making, failing): refused, never served on a guess.
        unavailable(req, res, next)
        return undefined
      }
      if (revoked) {
        reject(stackless('ERR_LINK_REVOKED'), req, res, next)
        return undefined
      }
      if (strict && !store.current) {
        unavailable(req, res, next)
        return undefined
      }
      localsOf(res).signedLink = result
      const cacheControl = `private, max-age=${result.secondsLeft}`
      // The name was checked when the link was read (no control characters, at most 255 bytes): this cannot throw.
      const { served } = target
      if (result.disposition === undefined) return { cacheControl, link: result, served }
      const disposition = contentDisposition(result.filename, { type: result.disposition })
      return { cacheControl, contentDisposition: disposition, link: result, served }
    },
    { reject, count },
  )

  function unavailable(req: IncomingMessage, res: ServerResponse, next: Next): void {
    res.setHeader('Retry-After', '5')
    reject(stackless('ERR_STORE_UNAVAILABLE'), req, res, next, 503)
  }
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
