// Where an upload may land, and what its headers alone refuse: shared by single PUTs (signed-upload.ts) and
// resumable uploads (resumable.ts), so both take exactly the same targets, sizes and types.
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { SignedUrlErrorCode } from '../util/errors.js'
import { hasDotSegment } from '../link/link-path.js'
import { servedFile } from './guard.js'
import type { SignedHeaders, VerifiedLink } from './middleware.js'
import type { UploadSettings } from './signed-upload-options.js'

/**
 * The file a verified upload writes, as the guard read the target (what a mount left of the verified one); or
 * undefined for a target no upload takes: a folder, a dot segment (a dotfile serve-static hides, and the
 * temporaries' own names), or a name no file system holds (a segment over 255 bytes), refused before the body.
 */
export function uploadTarget(folder: string, verified: SignedHeaders): { relative: string; file: string } | undefined {
  const target = servedFile(folder, verified)
  if (
    target === undefined ||
    target.relative.endsWith('/') ||
    hasDotSegment(target.relative) ||
    target.relative.split('/').some((segment) => Buffer.byteLength(segment) > 255)
  )
    return undefined
  return target
}

/** What an upload says of itself before its body: its declared length, media type and content coding. */
export interface UploadHeaders {
  length: string | undefined
  type: string | undefined
  encoding: string | undefined
}

/**
 * What the headers alone refuse, before a byte of the body is read: a declared length over the cap (the smaller of
 * the rules' and the link's), or a type or content coding the rules or the link do not take.
 */
export function refusalOfUpload(
  settings: Pick<UploadSettings, 'maxBytes' | 'types'>,
  link: VerifiedLink,
  { length: declared, type, encoding }: UploadHeaders,
): SignedUrlErrorCode | undefined {
  const cap = Math.min(settings.maxBytes, link.maxBytes ?? Infinity)
  if (declared !== undefined && (!/^[0-9]{1,16}$/.test(declared) || Number(declared) > cap))
    return 'ERR_UPLOAD_TOO_LARGE'
  const { types } = settings
  const allowed = (list: readonly (string | undefined)[] | undefined) => list === undefined || list.includes(type)
  // The file is stored as sent: a body in a content coding (gzip) would be stored as gzip under its type's name.
  if (
    !identity(encoding) ||
    ((link.contentType !== undefined || types !== undefined) &&
      (type === undefined || !allowed(types) || !allowed(link.contentType?.split(','))))
  )
    return 'ERR_UPLOAD_TYPE'
  return undefined
}

/** Makes the target's folder and checks the target is free (or may be replaced): the refusal, or undefined. */
export async function makeRoom(file: string, overwrite: boolean): Promise<SignedUrlErrorCode | undefined> {
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
export function identity(encoding: string | undefined): boolean {
  return encoding === undefined || /^[ \t]*identity[ \t]*$/i.test(encoding)
}
