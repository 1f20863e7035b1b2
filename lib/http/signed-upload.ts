// Uploads through upload links (method=put) into a folder: the link is checked before a byte of the body is read,
// then the body streams to a temporary beside the target and is put in place whole, or not at all.
import { promises as fs } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'
import { stackless, type SignedUrlErrorCode } from '../util/errors.js'
import { servedFile } from './guard.js'
import type { Middleware, Next, SignedHeaders, VerifiedLink } from './middleware.js'
import { hasDotSegment } from '../link/link-path.js'
import { requestMediaType } from '../link/media-types.js'
import { readSignedUploadOptions, type SignedUploadOptions, type UploadSettings } from './signed-upload-options.js'
import { receive } from './receive.js'
import { commit, sweep, temporaryFor } from './upload-file.js'

const STATUS: Partial<Record<SignedUrlErrorCode, number>> = {
  ERR_UPLOAD_TOO_LARGE: 413,
  ERR_UPLOAD_TYPE: 415,
  ERR_UPLOAD_EXISTS: 409,
  ERR_UPLOAD_DIGEST: 422,
  ERR_UPLOAD_TIMEOUT: 408,
  ERR_UPLOAD_STORAGE: 507,
}

type Refuse = (code: SignedUrlErrorCode, req: IncomingMessage, res: ServerResponse, next: Next) => void

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
  const settings = readSignedUploadOptions(root, options)
  const { check, folder, timeoutMs } = settings
  const ready = sweep(folder, 2 * timeoutMs).catch(() => 0)
  // Temporaries too young to be sure of at start: swept once more when they would be (the timer does not hold the process).
  setTimeout(() => void sweep(folder, 2 * timeoutMs).catch(() => 0), 2 * timeoutMs + 1000).unref()

  const refuse: Refuse = (code, req, res, next) => {
    // Through the guard's refusal (onReject, forwardRefusals, the log); a body's refusal keeps its own status.
    if (!req.complete) res.setHeader('Connection', 'close')
    check.reject(stackless(code), req, res, next, STATUS[code])
  }

  const middleware = function signedUploadMiddleware(req: IncomingMessage, res: ServerResponse, next: Next): void {
    if (req.method !== 'PUT') return next()
    // Any refusal leaves the body unread: the connection closes after the answer rather than draining it.
    res.setHeader('Connection', 'close')
    const verified = check(req, res, next)
    if (verified === undefined) return
    res.removeHeader('Connection')
    const underWay = upload(settings, refuse, req, res, next, verified).catch(next)
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
  // The target as the guard read it, once: what a mount left of the verified one.
  const target = servedFile(settings.folder, verified)
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
  const cap = Math.min(settings.maxBytes, link.maxBytes ?? Infinity)
  const type = requestMediaType(req.headers['content-type'])
  const refused = refusalOfHeaders(settings, req, link, cap, type)
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

// What the headers alone refuse, before a byte of the body is read: a declared length over the cap, or a type or
// content coding the rules or the link do not take.
function refusalOfHeaders(
  settings: UploadSettings,
  req: IncomingMessage,
  link: VerifiedLink,
  cap: number,
  type: string | undefined,
): SignedUrlErrorCode | undefined {
  const declared = req.headers['content-length']
  if (declared !== undefined && (!/^[0-9]{1,16}$/.test(declared) || Number(declared) > cap))
    return 'ERR_UPLOAD_TOO_LARGE'
  const { types } = settings
  const allowed = (list: readonly (string | undefined)[] | undefined) => list === undefined || list.includes(type)
  // The file is stored as sent: a body in a content coding (gzip) would be stored as gzip under its type's name.
  if (
    !identity(req.headers['content-encoding']) ||
    ((link.contentType !== undefined || types !== undefined) &&
      (type === undefined || !allowed(types) || !allowed(link.contentType?.split(','))))
  )
    return 'ERR_UPLOAD_TYPE'
  return undefined
}

// Makes the target's folder and checks the target is free (or may be replaced): the refusal, or undefined.
async function makeRoom(file: string, overwrite: boolean): Promise<SignedUrlErrorCode | undefined> {
  // Both at once: where the file already is, its folder is too, and making that is a no-op.
  const [existing, made] = await Promise.all([
    fs.lstat(file).catch(() => undefined),
    fs.mkdir(path.dirname(file), { recursive: true }).then(
      () => undefined,
      (err: unknown) => (err as NodeJS.ErrnoException).code ?? 'EIO',
    ),
  ])
  if (existing !== undefined && (!overwrite || existing.isDirectory())) return 'ERR_UPLOAD_EXISTS'
  // A file where the path needs a folder is the client's to fix, as is a name the file system cannot hold.
  if (made === undefined) return undefined
  if (made === 'EEXIST' || made === 'ENOTDIR') return 'ERR_UPLOAD_EXISTS'
  return made === 'ENAMETOOLONG' ? 'ERR_PATH_NOT_CANONICAL' : 'ERR_UPLOAD_STORAGE'
}

/** Whether a Content-Encoding header leaves the body as it is: absent, or `identity`. */
function identity(encoding: string | undefined): boolean {
  return encoding === undefined || /^[ \t]*identity[ \t]*$/i.test(encoding)
}
