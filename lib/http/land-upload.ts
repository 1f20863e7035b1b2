// Landing a finished resumable upload: the same end as a single PUT's (upload-file.ts), from a partial upload that
// waited outside the served folder.
import { createHash } from 'node:crypto'
import { createReadStream, promises as fs } from 'node:fs'
import type { SignedUrlErrorCode } from '../util/errors.js'
import { commit, temporaryFor } from './upload-file.js'
import { makeRoom } from './upload-target.js'

/**
 * Puts a finished resumable upload (`partial`) in place at `file`: synced, its digest checked against the link's,
 * then linked beside the target and put in place as a single PUT's temporary is (commit). The partial keeps its
 * name until swept, so a client that asks again sees it whole. Returns the refusal, or undefined once it landed.
 */
export async function landUpload(
  partial: string,
  file: string,
  sha256: string | undefined,
  overwrite: boolean,
): Promise<SignedUrlErrorCode | undefined> {
  try {
    const handle = await fs.open(partial, 'r+')
    await handle.sync().finally(() => handle.close())
    if (sha256 !== undefined && (await digestOf(partial)) !== sha256) return 'ERR_UPLOAD_DIGEST'
    const blocked = await makeRoom(file, overwrite)
    if (blocked !== undefined) return blocked
    const temporary = temporaryFor(file)
    await fs.link(partial, temporary)
    const placed = await commit(temporary, file, overwrite)
    return placed === true ? undefined : placed === 'aborted' ? 'ERR_UPLOAD_STORAGE' : placed
  } catch {
    return 'ERR_UPLOAD_STORAGE'
  }
}

/** The base64url SHA-256 of a file. */
async function digestOf(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('base64url')
}
