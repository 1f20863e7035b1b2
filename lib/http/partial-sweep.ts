// Partial resumable uploads past their link's expiry, swept: no one can reach them any more (their Location is an
// upload link with that expiry), so they only take space. An upload's expiry is kept with its creating link
// (upload-record.ts).
import { promises as fs } from 'node:fs'
import { UPLOAD_ID } from '../link/link-fields.js'
import { clearUpload, expiryOf } from './upload-record.js'

/**
 * Removes from `folder` the uploads (their bytes, records, landed mark) whose link expired before `nowSeconds` and the
 * `graceSeconds` the guard still accepts an expired link for, landed ones included (what landed is in the served
 * folder, not here). Entries not of this package's making are left alone. Returns how many uploads it removed.
 */
export async function sweepPartials(folder: string, nowSeconds: number, graceSeconds = 60): Promise<number> {
  let removed = 0
  const names = await fs.readdir(folder).catch(() => [] as string[])
  for (const name of names) {
    const id = name.endsWith('.link') ? name.slice(0, -5) : undefined
    if (id === undefined || !UPLOAD_ID.test(id)) continue
    const expiry = await expiryOf(folder, id)
    if (expiry === undefined || expiry + graceSeconds > nowSeconds) continue
    await clearUpload(folder, id, names).then(
      () => removed++,
      () => undefined,
    )
  }
  return removed
}
