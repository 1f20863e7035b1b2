// The check both guards, signedStatic and signedUpload run first: one reading of the target, the signature, the
// method, the store's revocations; then what the handlers after it need (res.locals.signedLink, the headers).
import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'
import { create as contentDisposition } from 'content-disposition'
import { grantsFromCookies } from '../link/grant-cookie.js'
import { stackless, type SignedUrlError } from '../util/errors.js'
import { logRefusal } from './refusal-log.js'
import { clientAddress, readRequestTarget } from './request-target.js'
import { decodePath } from '../link/link-path.js'
import { localsOf } from './locals.js'
import type { Signer } from '../signer/signer.js'
import type { VerifyResult } from '../signer/signer-options.js'
import { readGuardOptions } from './guard-options.js'
import { createUseCounter, type CountUses } from './use-count.js'
import type { Next, SignedHeaders, VerifiedLink } from './middleware.js'

/**
 * The file under `folder` (absolute) that a verified request acts on, as serve-static opens it: the served target
 * decoded once, and joined segment by segment. Undefined when the target does not decode.
 */
export function servedFile(folder: string, headers: SignedHeaders): { relative: string; file: string } | undefined {
  const relative = decodePath(headers.served.split('?')[0])
  return relative === undefined ? undefined : { relative, file: path.join(folder, ...relative.split('/')) }
}

/** A guard's per-request check: SignedHeaders, or undefined for a refusal it has answered (or passed on). */
export type Guard = ((
  req: IncomingMessage,
  res: ServerResponse,
  next: Next,
  verifyAs?: 'PUT',
) => SignedHeaders | undefined) & {
  /** Refuses as the options say (a fixed `status` for refusals of a body, not of a link). */
  reject(error: SignedUrlError, req: IncomingMessage, res: ServerResponse, next: Next, status?: number): void
  /** Counts a limited-use link's uses (use-count.ts). */
  count: CountUses
  /** The signer the guard verifies with (a resumable upload's links are signed by it). */
  signer: GuardSigner
  /**
   * Whether a link (one the guard did not read from this request: a resumable upload's parent link) is revoked,
   * or 'unavailable' when the store cannot say; and the seconds past expiry the signer still accepts a link.
   */
  revoked(link: VerifiedLink): boolean | 'unavailable'
  tolerance: number
}

type GuardSigner = ReturnType<typeof readGuardOptions>['signer']

type Reject = Guard['reject']

/** Validates the guard options once and returns the per-request check; throws a TypeError on bad options. */
export function createGuard(
  factory: string,
  options: unknown,
  known: ReadonlySet<string>,
  takes: 'reads' | 'PUT' = 'reads',
): Guard {
  const settings = readGuardOptions(factory, options, known)
  const { signer, store, strict, status, expiredStatus, onReject, grantCookie } = settings

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

  const { shared, tolerance, allowWhenDown } = settings
  const count = createUseCounter({ factory, store, shared, tolerance, allowWhenDown, reject, unavailable })

  return Object.assign(
    // `verifyAs`: a resumable upload's requests (POST, HEAD, PATCH, DELETE) are verified as the PUT they stand for.
    function check(req: IncomingMessage, res: ServerResponse, next: Next, verifyAs?: 'PUT') {
      const verified = verifyRequest(signer, grantCookie, reject, { req, res, next }, verifyAs)
      if (verified === undefined) return undefined
      const { result, served } = verified
      // The guards only read: an upload link, even on a PUT it allows, is signedUpload's, never theirs.
      if ((result.method === 'put') !== (takes === 'PUT')) {
        reject(stackless('ERR_METHOD_NOT_ALLOWED'), req, res, next)
        return undefined
      }
      const revoked = revokedOf(result)
      if (revoked === true) {
        reject(stackless('ERR_LINK_REVOKED'), req, res, next)
        return undefined
      }
      if (revoked === 'unavailable') {
        unavailable(req, res, next)
        return undefined
      }
      localsOf(res).signedLink = result
      return signedHeaders(result, served)
    },
    { reject, count, signer, revoked: revokedOf, tolerance: settings.tolerance },
  )

  // Whether a link is revoked, from the store's copy; 'unavailable' when the store cannot say (one of the app's
  // own making, failing), or, with strictRevocation, when its copy may have missed revocations: never a guess.
  function revokedOf(link: VerifiedLink): boolean | 'unavailable' {
    try {
      return store.revoked(link) || (strict && !store.current ? 'unavailable' : false)
    } catch {
      return 'unavailable'
    }
  }

  function unavailable(req: IncomingMessage, res: ServerResponse, next: Next): void {
    res.setHeader('Retry-After', '5')
    reject(stackless('ERR_STORE_UNAVAILABLE'), req, res, next, 503)
  }
}

// Reads the target and verifies its link: the link and the served target, or undefined for a refusal answered
// (or an error passed to next).
function verifyRequest(
  signer: Pick<Signer, 'verify'>,
  grantCookie: string,
  reject: Reject,
  { req, res, next }: { req: IncomingMessage; res: ServerResponse; next: Next },
  verifyAs: 'PUT' | undefined,
): { result: VerifiedLink; served: string } | undefined {
  // One reading of the target, before any other work: the string verified is the one the routers cut their
  // mounts from and serve-static opens, and req.url is exactly what the mounts left of it.
  const target = readRequestTarget(req)
  if (typeof target === 'string') {
    reject(stackless(target), req, res, next)
    return undefined
  }
  let result: VerifyResult
  try {
    // A signature in the URL is checked first; grant cookies are read only when the URL carries none.
    // Only a header as Node parses it (a string): a request object built by other code may hold anything.
    const cookie = (req.headers as IncomingMessage['headers'] | undefined)?.cookie
    const grants = typeof cookie === 'string' ? () => grantsFromCookies(cookie, grantCookie) : undefined
    // A request object without a method (made by other code) is refused, never taken as a GET.
    const method = verifyAs ?? (typeof req.method === 'string' ? req.method : '')
    result = signer.verify(target.target, { method, grants, ip: () => clientAddress(req) })
  } catch (err) {
    next(err)
    return undefined
  }
  if (!result.ok) {
    reject(result.error, req, res, next)
    return undefined
  }
  return { result, served: target.served }
}

// The headers of a verified request: the link's lifetime, and its download name.
function signedHeaders(result: VerifiedLink, served: string): SignedHeaders {
  const cacheControl = `private, max-age=${result.secondsLeft}`
  // The name was checked when the link was read (no control characters, at most 255 bytes): this cannot throw.
  if (result.disposition === undefined) return { cacheControl, link: result, served }
  const disposition = contentDisposition(result.filename, { type: result.disposition })
  return { cacheControl, contentDisposition: disposition, link: result, served }
}
