// @tus/server's hooks behind signedUpload's guard (resumable.ts): the upload's id from its link, the cap, the
// Location, the records kept beside the upload, and landing what finishes (checked, and only once).
import type { SignedUrlErrorCode } from '../util/errors.js'
import path from 'node:path'
import type { SignedHeaders, VerifiedLink } from './middleware.js'
import type { ResumableSettings, TusRequest, TusUpload } from './resumable-options.js'
import type { UploadSettings } from './signed-upload-options.js'
import { landUpload } from './land-upload.js'
import { chunkMatches, type Checksum } from './tus-checksum.js'
import { keepLink, landedSize, markLanded, parentOf, uploadIdOf } from './upload-record.js'

/** A refusal from a tus hook: @tus/server answers with its `status_code` and `body`. */
export class TusRefusal extends Error {
  constructor(
    readonly status_code: number,
    readonly body: string,
  ) {
    super(body.trim())
  }
}

/** What a verified tus request carries to the hooks: its link and the file it lands in. */
export interface Current {
  verified: SignedHeaders
  file: string
  cap: number
  checksum: Checksum | undefined
}

// The statuses a finishing upload is refused with (a tus hook answers with a status and a text, nothing else).
const FINISH: Partial<Record<SignedUrlErrorCode, [number, string]>> = {
  ERR_UPLOAD_DIGEST: [422, 'Unprocessable Entity\n'],
  ERR_UPLOAD_EXISTS: [409, 'Conflict\n'],
  ERR_UPLOAD_STORAGE: [507, 'Insufficient Storage\n'],
}

/**
 * Whether a tus request's creating link is revoked: the link itself for a creation, else the one kept beside the
 * upload. An upload without that record is refused too (it fails closed).
 */
export async function creatorRevoked(
  upload: UploadSettings,
  folder: string,
  link: VerifiedLink,
): Promise<boolean | 'unavailable'> {
  const parent = link.upload === undefined ? link : await parentOf(folder, link)
  return parent === undefined ? true : upload.check.revoked(parent)
}

/** @tus/server's options besides its store: names, the cap, the Location, and landing what finishes. */
export function hooks(
  upload: UploadSettings,
  resumable: ResumableSettings,
  of: (req: TusRequest) => Current,
  remove: (id: string) => Promise<void>,
) {
  return {
    path: '/',
    // One upload per link at a time: a link's upload id comes from its signature (upload-record.ts).
    namingFunction: (req: TusRequest) => uploadIdOf(of(req).verified.link),
    maxSize: (req: TusRequest) => of(req).cap,
    generateUrl: (req: TusRequest, { id }: { id: string }) => locationOf(resumable, of(req).verified, id),
    getFileIdFromRequest: (req: TusRequest) => of(req).verified.link.upload,
    onUploadCreate: async (req: TusRequest, created: TusUpload) => {
      const { link } = of(req).verified
      await keepLink(resumable.folder, created.id, link)
      // The client's metadata as it sent it: nothing of the link goes where tus shows it.
      return {}
    },
    onUploadFinish: async (req: TusRequest, finished: TusUpload) => {
      const { verified, file, checksum } = of(req)
      const { folder } = resumable
      const partial = path.join(folder, finished.id)
      // The last chunk is checked before anything lands (tus-checksum.ts).
      if (checksum !== undefined && !(await chunkMatches(partial, checksum, finished.size ?? finished.offset)))
        throw new TusRefusal(460, 'Checksum Mismatch\n')
      // Landed already: a repeated last PATCH is told so again, and lands nothing twice.
      if ((await landedSize(folder, finished.id)) !== undefined) return {}
      // A link revoked while its last chunk came: nothing lands.
      const revoked = await creatorRevoked(upload, folder, verified.link)
      if (revoked !== false)
        throw new TusRefusal(revoked === true ? 403 : 503, revoked === true ? 'Forbidden\n' : 'Service Unavailable\n')
      const { sha256 } = verified.link
      const landedAs = await landUpload(partial, file, { size: finished.size, sha256, overwrite: upload.overwrite })
      if (typeof landedAs !== 'string') {
        await markLanded(folder, finished.id, landedAs.landed)
        return {}
      }
      await remove(finished.id).catch(() => undefined)
      const [status_code, body] = FINISH[landedAs] ?? [507, 'Insufficient Storage\n']
      throw new TusRefusal(status_code, body)
    },
    disableTerminationForFinishedUploads: true,
  }
}

/** The Location of a new upload: the same upload link, with the same expiry and rules, and the upload's id. */
export function locationOf(resumable: ResumableSettings, verified: SignedHeaders, id: string): string {
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
