// Uploads through upload links (method=put) into a folder: the link is checked before a byte of the body is read,
// then the body streams to a temporary beside the target and is put in place whole, or not at all.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { stackless, type SignedUrlErrorCode } from '../util/errors.js'
import type { Middleware, Next, RefuseUpload, SignedHeaders } from './middleware.js'
import { requestMediaType } from '../link/media-types.js'
import { readSignedUploadOptions, type SignedUploadOptions, type UploadSettings } from './signed-upload-options.js'
import { receive } from './receive.js'
import { commit, sweep, temporaryFor } from './upload-file.js'
import { makeRoom, refusalOfUpload, uploadTarget } from './upload-target.js'
import { createResumable } from './resumable.js'
import type { ResumableSettings } from './resumable-options.js'
import { sweepPartials } from './partial-sweep.js'

const STATUS: Partial<Record<SignedUrlErrorCode, number>> = {
  ERR_UPLOAD_TOO_LARGE: 413,
  ERR_UPLOAD_TYPE: 415,
  ERR_UPLOAD_EXISTS: 409,
  ERR_UPLOAD_DIGEST: 422,
  ERR_UPLOAD_TIMEOUT: 408,
  ERR_UPLOAD_STORAGE: 507,
  ERR_STORE_UNAVAILABLE: 503,
}

type Refuse = RefuseUpload

/**
 * Takes PUT requests with a valid upload link into the folder `root` and passes every other method on with
 * `next()`, so it can share a mount with signedStatic (mount it first). `ready` resolves once the temporaries of
 * killed processes are swept, with how many there were; `idle()` once every upload under way has landed or been
 * cleaned up (for a graceful shutdown). Throws a TypeError on bad options.
 *
 * @example
 * app.use('/files', signedUpload(dir, { signer, maxBytes: 50e6 }), signedStatic(dir, { signer }))
 */
export function signedUpload(
  root: string,
  options: Readonly<SignedUploadOptions>,
): Middleware & {
  /** Resolves, with how many there were, once the temporaries that killed processes left are swept. */
  ready: Promise<number>
  /** Resolves once every upload under way has landed or been refused: for a graceful shutdown. */
  idle(): Promise<void>
} {
  const settings = readSignedUploadOptions(root, options)
  const { check, folder, timeoutMs, resumable } = settings
  const ready = Promise.all([sweep(folder, 2 * timeoutMs).catch(() => 0), sweepExpired(resumable)]).then(
    ([temporaries, partials]) => temporaries + partials,
  )
  // Temporaries too young to be sure of at start: swept once more when they would be (the timer does not hold the process).
  setTimeout(() => void sweep(folder, 2 * timeoutMs).catch(() => 0), 2 * timeoutMs + 1000).unref()
  // Abandoned resumable uploads, every ten minutes once their links have expired.
  if (resumable !== undefined) setInterval(() => void sweepExpired(resumable), 600_000).unref()

  const refuse: Refuse = (code, req, res, next, status) => {
    // Through the guard's refusal (onReject, forwardRefusals, the log); a body's refusal keeps its own status.
    if (!req.complete) res.setHeader('Connection', 'close')
    check.reject(stackless(code), req, res, next, status ?? STATUS[code])
  }

  const resumableRequest = resumable === undefined ? undefined : createResumable(settings, resumable, refuse)
  const middleware = function signedUploadMiddleware(req: IncomingMessage, res: ServerResponse, next: Next): void {
    if (settings.cors?.(req, res) === true) return
    const tus = resumableRequest !== undefined && isTus(req)
    if (req.method !== 'PUT' && !tus) return next()
    // Any refusal leaves the body unread: the connection closes after the answer rather than draining it.
    res.setHeader('Connection', 'close')
    const verified = check(req, res, next, tus ? 'PUT' : undefined)
    if (verified === undefined) return
    res.removeHeader('Connection')
    const underWay = (
      tus ? resumableRequest(req, res, next, verified) : upload(settings, refuse, req, res, next, verified)
    ).catch(next)
    inFlight.add(underWay)
    void underWay.finally(() => inFlight.delete(underWay))
  }
  const inFlight = new Set<Promise<void>>()
  const idle = async (): Promise<void> => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight])
  }
  return Object.assign(middleware, { ready, idle })
}

// One PUT whose link the guard accepted: its target and headers checked, then its body received and put in place.
async function upload(
  settings: UploadSettings,
  refuse: Refuse,
  req: IncomingMessage,
  res: ServerResponse,
  next: Next,
  verified: SignedHeaders,
): Promise<void> {
  const link = verified.link
  // A resumable upload's Location opens that upload over tus, and nothing else.
  if (link.upload !== undefined) {
    refuse('ERR_METHOD_NOT_ALLOWED', req, res, next)
    return
  }
  const target = uploadTarget(settings.folder, verified)
  if (target === undefined) {
    refuse('ERR_PATH_NOT_CANONICAL', req, res, next)
    return
  }
  const cap = Math.min(settings.maxBytes, link.maxBytes ?? Infinity)
  const type = requestMediaType(req.headers['content-type'])
  const refused = refusalOfUpload(settings, link, {
    length: req.headers['content-length'],
    type,
    encoding: req.headers['content-encoding'],
  })
  if (refused !== undefined) {
    refuse(refused, req, res, next)
    return
  }
  const { file } = target
  const blocked = await makeRoom(file, settings.overwrite)
  if (blocked !== undefined) {
    refuse(blocked, req, res, next)
    return
  }
  // A body parser before this middleware has taken the body: a mistake in the app, said as such.
  if (req.readableEnded) {
    next(new Error('signedUpload: the body was already read; mount signedUpload before any body parser'))
    return
  }
  // A client that waits for 100 Continue sends the body only now that the upload is accepted.
  if (/^100-continue$/i.test(req.headers.expect ?? '') && (res as { _sent100?: boolean })._sent100 !== true)
    res.writeContinue()
  // Gone while the target was checked: nothing to receive, nothing to create.
  if (req.destroyed) return
  const temporary = temporaryFor(file)
  const landed = await receive(req, temporary, { maxBytes: cap, sha256: link.sha256, timeoutMs: settings.timeoutMs })
  if (landed === 'aborted') return
  if (typeof landed === 'string') {
    refuse(landed, req, res, next)
    return
  }
  const placed = await commit(temporary, file, settings.overwrite)
  if (placed !== true) {
    refuse(placed === 'aborted' ? 'ERR_UPLOAD_STORAGE' : placed, req, res, next)
    return
  }
  settings.onUpload({ path: link.path, size: landed.size, contentType: type, sha256: landed.sha256 }, req, res, next)
}

/**
 * Whether a request is tus's: a creation (POST), a chunk (PATCH), a termination (DELETE) or an offset asked for
 * (HEAD), each with the Tus-Resumable header every tus request carries. Without it, a POST, PATCH, DELETE or HEAD is
 * not this middleware's, and goes on to the app's routes (or signedStatic) untouched.
 */
function isTus(req: IncomingMessage): boolean {
  return TUS_METHODS.has(req.method ?? '') && req.headers['tus-resumable'] !== undefined
}
const TUS_METHODS = new Set(['POST', 'PATCH', 'DELETE', 'HEAD'])

/** Sweeps the partial uploads whose links have expired; how many. */
function sweepExpired(resumable: ResumableSettings | undefined): Promise<number> {
  if (resumable === undefined) return Promise.resolve(0)
  return sweepPartials(resumable.folder, Math.floor(resumable.now() / 1000), resumable.grace).catch(() => 0)
}
