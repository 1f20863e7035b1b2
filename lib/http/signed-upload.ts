// Uploads through upload links (method=put) into a folder: the link is checked before a byte of the body is read,
// then the body streams to a temporary beside the target and is put in place whole, or not at all.
import { promises as fs } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'
import { stackless, type SignedUrlErrorCode } from '../util/errors.js'
import { createGuard, servedFile } from './guard.js'
import { GUARD_OPTIONS, type GuardOptions } from './guard-options.js'
import type { Middleware, Next, SignedHeaders } from './middleware.js'
import { hasDotSegment } from '../link/link-path.js'
import { requestMediaType } from '../link/media-types.js'
import { asOptions, booleanOption, describeValue, toSeconds, type Duration } from '../util/option-checks.js'
import { receive } from './receive.js'
import { commit, sweep, temporaryFor } from './upload-file.js'

/** What landed: the path (decoded, as signed), its size, the type it was sent as, and its base64url SHA-256. */
export interface Upload {
  path: string
  size: number
  contentType: string | undefined
  sha256: string
}

/** Options of {@link signedUpload}: the guard's (a signer, or its options; refusals), and the upload's rules. */
export type SignedUploadOptions = GuardOptions & {
  /** The most bytes an upload may have, whatever its link allows. Required. */
  maxBytes: number
  /** The media types an upload may be sent as (its Content-Type, without parameters). Default: any. */
  contentTypes?: readonly string[]
  /** Replace an existing file (always with one whole upload). Default `false`: 409 when the file exists. */
  overwrite?: boolean
  /** How long the body may stall between bytes: seconds or `'30s'`. Default `'30s'`; then 408. */
  timeout?: Duration
  /** Called instead of the default 201 JSON answer; `next(err)` passes an error on. */
  onUpload?: (upload: Upload, req: IncomingMessage, res: ServerResponse, next: Next) => void
}

const OWN = ['maxBytes', 'contentTypes', 'overwrite', 'timeout', 'onUpload']
const STATUS: Partial<Record<SignedUrlErrorCode, number>> = {
  ERR_UPLOAD_TOO_LARGE: 413,
  ERR_UPLOAD_TYPE: 415,
  ERR_UPLOAD_EXISTS: 409,
  ERR_UPLOAD_DIGEST: 422,
  ERR_UPLOAD_TIMEOUT: 408,
  ERR_UPLOAD_STORAGE: 507,
}

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
): Middleware & { ready: Promise<number>; idle(): Promise<void> } {
  if (typeof root !== 'string' || root.length === 0)
    throw new TypeError(`signedUpload: "root" must be a folder path, got ${describeValue(root)}`)
  const opts = asOptions<SignedUploadOptions>('signedUpload', options)
  const guardOptions = Object.fromEntries(Object.entries(opts).filter(([name]) => !OWN.includes(name)))
  const check = createGuard('signedUpload', guardOptions, new Set([...GUARD_OPTIONS, ...OWN]), 'PUT')
  const maxBytes = opts.maxBytes
  if (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 1)
    throw new TypeError(
      `signedUpload: "maxBytes" must be a positive whole number of bytes, got ${describeValue(maxBytes)}`,
    )
  const types = opts.contentTypes === undefined ? undefined : opts.contentTypes.map((t) => requestMediaType(t))
  if (types !== undefined && (types.length === 0 || types.some((t) => t === undefined)))
    throw new TypeError('signedUpload: "contentTypes" must be a non-empty list of media types such as \'image/png\'')
  const overwrite = booleanOption('signedUpload', 'overwrite', opts.overwrite)
  const timeout = toSeconds(opts.timeout ?? '30s')
  if (timeout === undefined || timeout < 1)
    throw new TypeError(
      `signedUpload: "timeout" must be a positive number of seconds or '30s', got ${describeValue(opts.timeout)}`,
    )
  const onUpload = opts.onUpload ?? respondCreated
  if (typeof onUpload !== 'function')
    throw new TypeError(`signedUpload: "onUpload" must be a function, got ${describeValue(onUpload)}`)
  const timeoutMs = timeout * 1000
  const folder = path.resolve(root)
  const ready = sweep(folder, 2 * timeoutMs).catch(() => 0)
  // Temporaries too young to be sure of at start: swept once more when they would be (the timer does not hold the process).
  setTimeout(() => void sweep(folder, 2 * timeoutMs).catch(() => 0), 2 * timeoutMs + 1000).unref()

  const refuse = (code: SignedUrlErrorCode, req: IncomingMessage, res: ServerResponse, next: Next) => {
    // Through the guard's refusal (onReject, forwardRefusals, the log); a body's refusal keeps its own status.
    if (!req.complete) res.setHeader('Connection', 'close')
    check.reject(stackless(code), req, res, next, STATUS[code])
  }

  async function upload(req: IncomingMessage, res: ServerResponse, next: Next, verified: SignedHeaders): Promise<void> {
    const link = verified.link
    // The target as the guard read it, once: what a mount left of the verified one.
    const target = servedFile(folder, verified)
    // A dot segment is a dotfile serve-static hides (and the temporaries' own names): never a target; nor a name
    // no file system holds (over 255 bytes), refused now rather than once the body is in.
    if (
      target === undefined ||
      target.relative.endsWith('/') ||
      hasDotSegment(target.relative) ||
      target.relative.split('/').some((segment) => Buffer.byteLength(segment) > 255)
    ) {
      refuse('ERR_PATH_NOT_CANONICAL', req, res, next)
      return
    }
    const cap = Math.min(maxBytes as number, link.maxBytes ?? Infinity)
    const declared = req.headers['content-length']
    if (declared !== undefined && (!/^[0-9]{1,16}$/.test(declared) || Number(declared) > cap)) {
      refuse('ERR_UPLOAD_TOO_LARGE', req, res, next)
      return
    }
    const type = requestMediaType(req.headers['content-type'])
    const allowed = (list: readonly (string | undefined)[] | undefined) => list === undefined || list.includes(type)
    // The file is stored as sent: a body in a content coding (gzip) would be stored as gzip under its type's name.
    if (
      !identity(req.headers['content-encoding']) ||
      ((link.contentType !== undefined || types !== undefined) &&
        (type === undefined || !allowed(types) || !allowed(link.contentType?.split(','))))
    ) {
      refuse('ERR_UPLOAD_TYPE', req, res, next)
      return
    }
    const { file } = target
    // Both at once: where the file already is, its folder is too, and making that is a no-op.
    const [existing, made] = await Promise.all([
      fs.lstat(file).catch(() => undefined),
      fs.mkdir(path.dirname(file), { recursive: true }).then(
        () => undefined,
        (err: unknown) => (err as NodeJS.ErrnoException).code ?? 'EIO',
      ),
    ])
    if (existing !== undefined && (!overwrite || existing.isDirectory())) {
      refuse('ERR_UPLOAD_EXISTS', req, res, next)
      return
    }
    // A file where the path needs a folder is the client's to fix, as is a name the file system cannot hold.
    if (made !== undefined) {
      const code =
        made === 'EEXIST' || made === 'ENOTDIR'
          ? 'ERR_UPLOAD_EXISTS'
          : made === 'ENAMETOOLONG'
            ? 'ERR_PATH_NOT_CANONICAL'
            : 'ERR_UPLOAD_STORAGE'
      refuse(code, req, res, next)
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
    const landed = await receive(req, temporary, { maxBytes: cap, sha256: link.sha256, timeoutMs })
    if (landed === 'aborted') return
    if (typeof landed === 'string') {
      refuse(landed, req, res, next)
      return
    }
    const placed = await commit(temporary, file, overwrite)
    if (placed !== true) {
      refuse(placed === 'aborted' ? 'ERR_UPLOAD_STORAGE' : placed, req, res, next)
      return
    }
    onUpload({ path: link.path, size: landed.size, contentType: type, sha256: landed.sha256 }, req, res, next)
  }

  const middleware = function signedUploadMiddleware(req: IncomingMessage, res: ServerResponse, next: Next): void {
    if (req.method !== 'PUT') return next()
    // Any refusal leaves the body unread: the connection closes after the answer rather than draining it.
    res.setHeader('Connection', 'close')
    const verified = check(req, res, next)
    if (verified === undefined) return
    res.removeHeader('Connection')
    const underWay = upload(req, res, next, verified).catch(next)
    inFlight.add(underWay)
    void underWay.finally(() => inFlight.delete(underWay))
  }
  const inFlight = new Set<Promise<void>>()
  const idle = async (): Promise<void> => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight])
  }
  return Object.assign(middleware, { ready, idle })
}

/** Whether a Content-Encoding header leaves the body as it is: absent, or `identity`. */
function identity(encoding: string | undefined): boolean {
  return encoding === undefined || /^[ \t]*identity[ \t]*$/i.test(encoding)
}

/** The default answer: 201 with `{ path, size, contentType, sha256 }`. */
function respondCreated(upload: Upload, _req: IncomingMessage, res: ServerResponse): void {
  const body = JSON.stringify(upload)
  res.statusCode = 201
  res.setHeader('Cache-Control', 'no-store')
  res.setHeader('Content-Type', 'application/json; charset=utf-8')
  res.setHeader('Content-Length', Buffer.byteLength(body))
  res.end(body)
}
