// Landing a finished resumable upload: the same end as a single PUT's (upload-file.ts), from a partial upload that
// waited outside the served folder.
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, promises as fs } from 'node:fs'
import type { SignedUrlErrorCode } from '../util/errors.js'
import { commit, temporaryFor } from './upload-file.js'
import { makeRoom } from './upload-target.js'

/**
 * Puts a finished resumable upload (`partial`) in place at `file`. It is first renamed to a name of its own, so the
 * file synced, checked against its size and the link's digest and linked into place is one file, whatever a new
 * creation through the same link does to `partial` meanwhile; then put in place as a single PUT's temporary is
 * (commit). The partial's name is gone after. Returns the landed size, or the refusal.
 */
export async function landUpload(
  partial: string,
  file: string,
  { size, sha256, overwrite }: { size: number | undefined; sha256: string | undefined; overwrite: boolean },
): Promise<{ landed: number } | SignedUrlErrorCode> {
  const own = `${partial}.landing.${randomBytes(8).toString('hex')}`
  try {
    await fs.rename(partial, own)
  } catch {
    return 'ERR_UPLOAD_STORAGE'
  }
  const refused = await place(own, file, { size, sha256, overwrite }).catch(
    (): SignedUrlErrorCode => 'ERR_UPLOAD_STORAGE',
  )
  // Never a second name for what landed: nothing that writes to the partial's name (a new creation, a chunk cut
  // off again) can reach the served file.
  await fs.rm(own, { force: true }).catch(() => undefined)
  return refused
}

async function place(
  own: string,
  file: string,
  { size, sha256, overwrite }: { size: number | undefined; sha256: string | undefined; overwrite: boolean },
): Promise<{ landed: number } | SignedUrlErrorCode> {
  const handle = await fs.open(own, 'r+')
  const stat = await handle.stat({ bigint: true })
  await handle.sync().finally(() => handle.close())
  // The file tus finished, whole: a new creation through the same link may have put a fresh one under the name.
  if (size !== undefined && stat.size !== BigInt(size)) return 'ERR_UPLOAD_STORAGE'
  if (sha256 !== undefined && (await digestOf(own)) !== sha256) return 'ERR_UPLOAD_DIGEST'
  const blocked = await makeRoom(file, overwrite)
  if (blocked !== undefined) return blocked
  const temporary = temporaryFor(file)
  await fs.link(own, temporary)
  const placed = await commit(temporary, file, overwrite)
  if (placed !== true) return placed === 'aborted' ? 'ERR_UPLOAD_STORAGE' : placed
  return { landed: Number(stat.size) }
}

/** The base64url SHA-256 of a file. */
async function digestOf(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('base64url')
}
