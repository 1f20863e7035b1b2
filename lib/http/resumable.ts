// Resumable uploads over tus 1.0, spoken by @tus/server with @tus/file-store, behind the guard. A put link is also
// a tus creation endpoint: its POST is checked as a PUT through it would be (target, size, type, an existing file),
// and answered with a Location that is the same upload link with the new upload's id signed in (`upload`), so HEAD,
// PATCH and DELETE need no other credential and open that upload only. Partial uploads wait outside the served
// folder; a finished one is checked against the link's sha256, synced, and linked into place whole, as a single PUT
// is. The tus server's own CORS answers are dropped: the package's cors option is the only one.
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'
import type { SignedUrlErrorCode } from '../util/errors.js'
import { requestMediaType } from '../link/media-types.js'
import type { Next, SignedHeaders } from './middleware.js'
import type { ResumableSettings, TusRequest, TusServer, TusUpload } from './resumable-options.js'
import type { UploadSettings } from './signed-upload-options.js'
import { landUpload } from './land-upload.js'
import { identity, makeRoom, refusalOfUpload, uploadTarget } from './upload-target.js'
import { EXPIRY_KEY } from './partial-sweep.js'

/** A refusal from a tus hook: @tus/server answers with its `status_code` and `body`. */
class TusRefusal extends Error {
  constructor(
    readonly status_code: number,
    readonly body: string,
  ) {
    super(body.trim())
  }
}

type Refuse = (code: SignedUrlErrorCode, req: IncomingMessage, res: ServerResponse, next: Next) => void

/** What a verified tus request carries to the hooks: its link and the file it lands in. */
interface Current {
  verified: SignedHeaders
  file: string
  cap: number
}

// The statuses a finishing upload is refused with (a tus hook answers with a status and a text, nothing else).
const FINISH: Partial<Record<SignedUrlErrorCode, [number, string]>> = {
  ERR_UPLOAD_DIGEST: [422, 'Unprocessable Entity\n'],
  ERR_UPLOAD_EXISTS: [409, 'Conflict\n'],
  ERR_UPLOAD_STORAGE: [507, 'Insufficient Storage\n'],
}

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
    } else if (req.method === 'PATCH' && !identity(header(req, 'content-encoding'))) {
      // The type was checked at the creation; a chunk's body is stored as sent, so it may not be in a coding.
      refuse('ERR_UPLOAD_TYPE', req, res, next)
      return
    }
    current.set(req, { verified, file: target.file, cap: Math.min(upload.maxBytes, link.maxBytes ?? Infinity) })
    ownCors(res)
    // A body that stalls is given up as a single PUT's is; what arrived is kept, for the client to resume.
    req.setTimeout(upload.timeoutMs, () => req.destroy())
    await serverOf().handle(req, res)
  }
}

/** @tus/server's options besides its store: names, the cap, the Location, and landing what finishes. */
function hooks(
  upload: UploadSettings,
  resumable: ResumableSettings,
  of: (req: TusRequest) => Current,
  remove: (id: string) => Promise<void>,
) {
  return {
    path: '/',
    namingFunction: () => randomBytes(16).toString('base64url'),
    maxSize: (req: TusRequest) => of(req).cap,
    generateUrl: (req: TusRequest, { id }: { id: string }) => locationOf(resumable, of(req).verified, id),
    getFileIdFromRequest: (req: TusRequest) => of(req).verified.link.upload,
    onUploadCreate: (req: TusRequest, created: TusUpload) => {
      const metadata = { ...created.metadata, [EXPIRY_KEY]: String(of(req).verified.link.expiresAt) }
      return Promise.resolve({ metadata })
    },
    onUploadFinish: async (req: TusRequest, finished: TusUpload) => {
      const { verified, file } = of(req)
      const partial = path.join(resumable.folder, finished.id)
      const refused = await landUpload(partial, file, verified.link.sha256, upload.overwrite)
      if (refused === undefined) return {}
      await remove(finished.id).catch(() => undefined)
      const [status_code, body] = FINISH[refused] ?? [507, 'Insufficient Storage\n']
      throw new TusRefusal(status_code, body)
    },
    disableTerminationForFinishedUploads: true,
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

/** The Location of a new upload: the same upload link, with the same expiry and rules, and the upload's id. */
function locationOf(resumable: ResumableSettings, verified: SignedHeaders, id: string): string {
  const { link } = verified
  return resumable.sign(link.path, {
    method: 'put',
    expiresAt: link.expiresAt,
    ...(link.maxBytes === undefined ? {} : { maxBytes: link.maxBytes }),
    ...(link.contentType === undefined ? {} : { contentType: link.contentType.split(',') }),
    ...(link.sha256 === undefined ? {} : { sha256: link.sha256 }),
    ...(link.ip === undefined ? {} : { ip: link.ip.split(',') }),
    ...(link.notBefore === undefined ? {} : { notBefore: link.notBefore }),
    upload: id,
  })
}

/**
 * Drops the CORS headers @tus/server writes into its answers (it answers an origin it does not allow with the
 * first allowed one, and `*` when none is set), so only the guard's own, set before, reach the browser.
 */
function ownCors(res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse
  const foreign = (name: unknown) => typeof name === 'string' && /^access-control-/i.test(name)
  ;(res as { writeHead: unknown }).writeHead = (...args: unknown[]) => {
    const at = args.findIndex((arg, i) => i > 0 && typeof arg === 'object' && arg !== null)
    if (at !== -1) {
      const headers = args[at]
      if (Array.isArray(headers) && headers.every((item) => Array.isArray(item)))
        args[at] = (headers as unknown[][]).filter(([name]) => !foreign(name))
      else if (Array.isArray(headers))
        args[at] = headers.filter((_, i) => !(i % 2 === 0 ? foreign(headers[i]) : foreign(headers[i - 1])))
      else args[at] = Object.fromEntries(Object.entries(headers as object).filter(([name]) => !foreign(name)))
    }
    return writeHead(...args)
  }
}
