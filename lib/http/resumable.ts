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
import { holdForChecksum, readChecksum } from './tus-checksum.js'
import { creatorRevoked, hooks, TusRefusal, type Current } from './tus-hooks.js'
import { identity, makeRoom, refusalOfUpload, uploadTarget } from './upload-target.js'
import { clearUpload, uploadIdOf } from './upload-record.js'

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

  return async function resumableRequest(
    req: IncomingMessage,
    res: ServerResponse,
    next: Next,
    verified: SignedHeaders,
  ): Promise<void> {
    const { link } = verified
    const target = uploadTarget(upload.folder, verified)
    if (target === undefined) {
      refuse('ERR_PATH_NOT_CANONICAL', req, res, next)
      return
    }
    // A creation goes through the link the app signed; the rest through the Location signed for one upload.
    if ((req.method === 'POST') === (link.upload !== undefined)) {
      refuse('ERR_METHOD_NOT_ALLOWED', req, res, next)
      return
    }
    if (req.method === 'POST') {
      const refused =
        refusalOfUpload(upload, link, {
          length: header(req, 'upload-length'),
          type: typeOf(req),
          encoding: header(req, 'content-encoding'),
        }) ?? (await makeRoom(target.file, upload.overwrite))
      if (refused !== undefined) {
        refuse(refused, req, res, next)
        return
      }
      // What the link's earlier upload left goes first: the new one starts from nothing.
      await clearUpload(resumable.folder, uploadIdOf(link))
    } else if (req.method === 'PATCH' && !identity(header(req, 'content-encoding'))) {
      // The type was checked at the creation; a chunk's body is stored as sent, so it may not be in a coding.
      refuse('ERR_UPLOAD_TYPE', req, res, next)
      return
    }
    const checksum =
      req.method === 'PATCH' ? readChecksum(header(req, 'upload-checksum'), header(req, 'upload-offset')) : undefined
    if (checksum === 'bad') {
      refuse('ERR_UPLOAD_DIGEST', req, res, next, 400)
      return
    }
    // Revoking the link that created an upload stops the upload: its Location has a signature of its own.
    const revoked = req.method === 'POST' ? false : await creatorRevoked(upload, resumable.folder, link)
    if (revoked !== false) {
      if (revoked === 'unavailable') res.setHeader('Retry-After', '5')
      refuse(revoked === true ? 'ERR_LINK_REVOKED' : 'ERR_STORE_UNAVAILABLE', req, res, next)
      return
    }
    const cap = Math.min(upload.maxBytes, link.maxBytes ?? Infinity)
    current.set(req, { verified, file: target.file, cap, checksum })
    dropForeignCors(res)
    // The expiration extension: an upload lives as long as its link (then it is refused, and swept).
    res.setHeader('Upload-Expires', new Date(link.expiresAt * 1000).toUTCString())
    if (checksum !== undefined) holdForChecksum(res, path.join(resumable.folder, link.upload ?? ''), checksum)
    // A body that stalls is given up as a single PUT's is; what arrived is kept, for the client to resume.
    req.setTimeout(upload.timeoutMs, () => req.destroy())
    await serverOf().handle(req, res)
  }
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
