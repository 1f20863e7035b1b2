// Partial resumable uploads past their link's expiry, swept: no one can reach them any more (their Location is an
// upload link with that expiry), so they only take space. A partial's expiry is in its tus metadata (resumable.ts).
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { UPLOAD_ID } from '../link/link-fields.js'
import { clearUpload, EXPIRY_KEY, readMetadata } from './upload-record.js'

/**
 * Removes from `folder` the uploads (the data, @tus/file-store's `<id>.json`, the landed mark) whose expiry has
 * passed by `nowSeconds` and the `graceSeconds` the guard still accepts an expired link for, finished ones included
 * (they have landed: the partial is a second name for the file). Entries not of this package's making are left
 * alone. Returns how many uploads it removed.
 */
export async function sweepPartials(folder: string, nowSeconds: number, graceSeconds = 60): Promise<number> {
  let removed = 0
  const names = await fs.readdir(folder).catch(() => [] as string[])
  for (const name of names) {
    const id = name.endsWith('.json') ? name.slice(0, -5) : undefined
    if (id === undefined || !UPLOAD_ID.test(id)) continue
    const expiry = Number((await readMetadata(path.join(folder, name)))?.[EXPIRY_KEY])
    if (!Number.isSafeInteger(expiry) || expiry + graceSeconds > nowSeconds) continue
    await clearUpload(folder, id, names).then(
      () => removed++,
      () => undefined,
    )
  }
  return removed
}
