// Resumable uploads over tus 1.0, spoken by @tus/server with @tus/file-store, behind the guard. A put link is also
// a tus creation endpoint: its POST is checked as a PUT through it would be (target, size, type, an existing file),
// and answered with a Location that is the same upload link with the new upload's id signed in (`upload`), so HEAD,
// PATCH and DELETE need no other credential and open that upload only. Partial uploads wait outside the served
// folder; a finished one is checked against the link's sha256, synced, and linked into place whole, as a single PUT
// is. The tus server's own CORS answers are dropped: the package's cors option is the only one.
import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'
import { requestMediaType } from '../link/media-types.js'
import type { Next, RefuseUpload, SignedHeaders } from './middleware.js'
import type { ResumableSettings, TusRequest, TusServer } from './resumable-options.js'
import type { UploadSettings } from './signed-upload-options.js'
import { dropForeignCors } from './cors.js'
import { holdForChecksum, readChecksum, type Checksum } from './tus-checksum.js'
import { creatorRevoked, hooks, TusRefusal, type Current } from './tus-hooks.js'
import { identity, makeRoom, refusalOfUpload, uploadTarget } from './upload-target.js'
import { clearUpload, landedSize, uploadIdOf } from './upload-record.js'
import { answerLanded, createTurns } from './tus-turns.js'
import type { SignedUrlErrorCode } from '../util/errors.js'

type Refuse = RefuseUpload

/** A tus request handler behind the guard, and the sweep of expired partial uploads. */
export function createResumable(upload: UploadSettings, resumable: ResumableSettings, refuse: Refuse) {
  const current = new WeakMap<IncomingMessage, Current>()
  const of = (req: TusRequest): Current => {
    const node = req.node?.req ?? req.runtime?.node?.req
    const found = node === undefined ? undefined : current.get(node)
    // Every request reaching the server was verified first: anything else is a bug, refused as one.
    if (found === undefined) throw new TusRefusal(500, 'Internal Server Error\n')
    return found
  }
  // Made on the first tus request (resumable-options.ts says why).
  let made: TusServer | undefined
  const serverOf = (): TusServer => (made ??= makeServer())
  const makeServer = (): TusServer => {
    const tus = resumable.tus()
    const datastore = new tus.FileStore({ directory: resumable.folder })
    const remove = (id: string) => serverOf().datastore.remove(id)
    return new tus.Server({ datastore, ...hooks(upload, resumable, of, remove) })
  }

  const turns = createTurns()

  return async function resumableRequest(
    req: IncomingMessage,
    res: ServerResponse,
    next: Next,
    verified: SignedHeaders,
  ): Promise<void> {
    const { link } = verified
    const target = await checked(upload, resumable, req, verified)
    if (typeof target === 'string' || Array.isArray(target)) {
      const [code, status] = typeof target === 'string' ? [target, undefined] : target
      if (code === 'ERR_STORE_UNAVAILABLE') res.setHeader('Retry-After', '5')
      refuse(code, req, res, next, status)
      return
    }
    const id = link.upload ?? uploadIdOf(link)
    // One request that changes an upload at a time (this process): a creation, a chunk and its checksum, a landing.
    const release = req.method === 'HEAD' ? () => undefined : await turns.take(id, req, res)
    // Gone while it waited: nothing to answer.
    if (res.destroyed) {
      release()
      return
    }
    try {
      // Landed already: no bytes are left here, and the answer comes from the landed mark.
      const size = link.upload === undefined ? undefined : await landedSize(resumable.folder, id)
      if (size !== undefined) {
        answerLanded(req, res, next, size, refuse)
        return
      }
      // What the link's earlier upload left goes first: the new one starts from nothing.
      if (req.method === 'POST') await clearUpload(resumable.folder, id)
      const { checksum } = target
      const cap = Math.min(upload.maxBytes, link.maxBytes ?? Infinity)
      current.set(req, { verified, file: target.file, cap, checksum })
      dropForeignCors(res)
      // The expiration extension: an upload lives as long as its link (then it is refused, and swept).
      res.setHeader('Upload-Expires', new Date(link.expiresAt * 1000).toUTCString())
      if (checksum !== undefined) holdForChecksum(res, path.join(resumable.folder, id), checksum)
      // A body that stalls is given up as a single PUT's is; what arrived is kept, for the client to resume.
      req.setTimeout(upload.timeoutMs, () => req.destroy())
      await serverOf().handle(req, res)
    } finally {
      release()
    }
  }
}

/**
 * What refuses a tus request before the server sees it: the target, the kind of link for the method, a creation's
 * size, type and existing file (as a PUT's), a chunk's coding and checksum, the creating link's revocation. The
 * refusal (with its status when not the code's), or the target.
 */
async function checked(
  upload: UploadSettings,
  resumable: ResumableSettings,
  req: IncomingMessage,
  verified: SignedHeaders,
): Promise<{ file: string; checksum?: Checksum } | SignedUrlErrorCode | [SignedUrlErrorCode, number]> {
  const { link } = verified
  const target = uploadTarget(upload.folder, verified)
  if (target === undefined) return 'ERR_PATH_NOT_CANONICAL'
  // A creation goes through the link the app signed; the rest through the Location signed for one upload.
  if ((req.method === 'POST') === (link.upload !== undefined)) return 'ERR_METHOD_NOT_ALLOWED'
  if (req.method === 'POST') {
    // A checksum covers a chunk: a creation's body would be taken unchecked, so it is refused rather than ignored.
    if (req.headers['upload-checksum'] !== undefined) return ['ERR_UPLOAD_DIGEST', 400]
    const headers = {
      length: header(req, 'upload-length'),
      type: typeOf(req),
      encoding: header(req, 'content-encoding'),
    }
    return refusalOfUpload(upload, link, headers) ?? (await makeRoom(target.file, upload.overwrite)) ?? target
  }
  // The type was checked at the creation; a chunk's body is stored as sent, so it may not be in a coding.
  if (req.method === 'PATCH' && !identity(header(req, 'content-encoding'))) return 'ERR_UPLOAD_TYPE'
  const checksum =
    req.method === 'PATCH' ? readChecksum(header(req, 'upload-checksum'), header(req, 'upload-offset')) : undefined
  if (checksum === 'bad') return ['ERR_UPLOAD_DIGEST', 400]
  // Revoking the link that created an upload stops the upload: its Location has a signature of its own.
  const revoked = await creatorRevoked(upload, resumable.folder, link)
  if (revoked !== false) return revoked === true ? 'ERR_LINK_REVOKED' : 'ERR_STORE_UNAVAILABLE'
  return { file: target.file, checksum }
}

/** A header's one value, or undefined (a repeated header is not one value). */
function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return typeof value === 'string' ? value : undefined
}

/**
 * The media type a tus creation declares: its Upload-Metadata's `filetype` (tus-js-client's and Uppy's name) or
 * `contentType`, undefined when it names none, or names it twice or badly.
 */
function typeOf(req: IncomingMessage): string | undefined {
  const metadata = header(req, 'upload-metadata')
  if (metadata === undefined) return undefined
  const types = metadata
    .split(',')
    .map((pair) => pair.trim().split(' '))
    .filter(([key]) => key === 'filetype' || key === 'contentType')
  if (types.length !== 1 || types[0].length !== 2 || !/^[A-Za-z0-9+/]*={0,2}$/.test(types[0][1])) return undefined
  return requestMediaType(Buffer.from(types[0][1], 'base64').toString('utf8'))
}
