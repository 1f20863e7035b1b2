// Writing one upload to disk without ever showing a partial file: the body streams into a temporary file beside the
// target (a dotfile, which serve-static does not serve), is counted, hashed and synced (receive.ts), and only then
// put in place in one step (a rename, or a hard link that fails if the target exists). Temporaries left by a
// killed process are swept at the next start.
import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { SignedUrlErrorCode } from '../util/errors.js'

/** What ended an upload that did not land: the refusal's code, or an abort (nobody left to answer). */
export type UploadFailure = SignedUrlErrorCode | 'aborted'

// A temporary's name: `.<name>.<pid>.<random>.upload`. The pid only says who wrote it; the sweep goes by age.
const TEMPORARY = /^\..*\.\d+\.[0-9a-f]{16}\.upload$/

/** A fresh temporary beside `file`: `.<name>.<pid>.<random>.upload`. */
export function temporaryFor(file: string): string {
  // At most 40 characters of the name (160 bytes), so the whole stays within a file system's 255.
  const kept = Array.from(path.basename(file)).slice(0, 40).join('')
  const name = `.${kept}.${process.pid}.${randomBytes(8).toString('hex')}.upload`
  return path.join(path.dirname(file), name)
}

/**
 * Puts a synced temporary in place: with `overwrite`, a rename (the target is always one whole upload); without, a
 * hard link, which fails if the target exists, so of two uploads to one path exactly one lands. The folder is
 * synced after, so the new name survives a crash. The temporary is gone either way.
 */
export async function commit(temporary: string, file: string, overwrite: boolean): Promise<true | UploadFailure> {
  try {
    if (overwrite) await fs.rename(temporary, file)
    else await fs.link(temporary, file)
  } catch (err) {
    await fs.rm(temporary, { force: true }).catch(() => undefined)
    const code = (err as NodeJS.ErrnoException).code
    return code === 'EEXIST' || code === 'EISDIR' || code === 'ENOTEMPTY' ? 'ERR_UPLOAD_EXISTS' : 'ERR_UPLOAD_STORAGE'
  }
  // The hard link's temporary name goes while the folder syncs: both at once, both done before the answer.
  const tidy = overwrite ? undefined : fs.rm(temporary, { force: true }).catch(() => undefined)
  const folder = await fs.open(path.dirname(file), 'r').catch(() => undefined)
  await folder?.sync().catch(() => undefined)
  await folder?.close().catch(() => undefined)
  await tidy
  return true
}

/**
 * Removes, below `root`, temporaries not written for `olderThanMs`: no upload under way is, as a live one writes
 * within its timeout or gives up and removes its own. Age, not the pid in the name, decides: replicas that share
 * a folder may each be pid 1 in their own container, or on other hosts. Returns how many it removed.
 */
export async function sweep(root: string, olderThanMs: number): Promise<number> {
  let removed = 0
  const before = Date.now() - olderThanMs
  const walk = async (folder: string, depth: number): Promise<void> => {
    const entries = await fs.readdir(folder, { withFileTypes: true }).catch(() => [])
    for (const entry of entries) {
      const full = path.join(folder, entry.name)
      if (entry.isDirectory() && depth < 32) await walk(full, depth + 1)
      if (!entry.isFile() || !TEMPORARY.test(entry.name)) continue
      const stats = await fs.stat(full).catch(() => undefined)
      if (stats === undefined || stats.mtimeMs > before) continue
      await fs.rm(full, { force: true }).then(
        () => removed++,
        () => undefined,
      )
    }
  }
  await walk(root, 0)
  return removed
}
