// Partial resumable uploads past their link's expiry, swept: no one can reach them any more (their Location is an
// upload link with that expiry), so they only take space. A partial's expiry is in its tus metadata (resumable.ts).
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { UPLOAD_ID } from '../link/link-fields.js'

/** The metadata key a partial upload's expiry (Unix seconds) is kept under. */
export const EXPIRY_KEY = 'signed-url-expiry'

// A link refused as expired is still accepted within the clock tolerance: a minute more before the sweep.
const GRACE_SECONDS = 60

/**
 * Removes from `folder` the uploads (the data and @tus/file-store's `<id>.json`) whose expiry has passed by
 * `nowSeconds`, finished ones included (they have landed already: the partial is a second name for the file).
 * Entries not of this package's making are left alone. Returns how many uploads it removed.
 */
export async function sweepPartials(folder: string, nowSeconds: number): Promise<number> {
  let removed = 0
  const names = await fs.readdir(folder).catch(() => [] as string[])
  for (const name of names) {
    const id = name.endsWith('.json') ? name.slice(0, -5) : undefined
    if (id === undefined || !UPLOAD_ID.test(id)) continue
    const info = await fs.readFile(path.join(folder, name), 'utf8').then(parsed, () => undefined)
    const expiry = Number(info?.metadata?.[EXPIRY_KEY])
    if (!Number.isSafeInteger(expiry) || expiry + GRACE_SECONDS > nowSeconds) continue
    await fs.rm(path.join(folder, id), { force: true }).catch(() => undefined)
    await fs.rm(path.join(folder, name), { force: true }).then(
      () => removed++,
      () => undefined,
    )
  }
  return removed
}

/** A partial's info as @tus/file-store writes it; undefined for text that is not JSON (one bad file stops nothing). */
function parsed(text: string): { metadata?: Record<string, unknown> } | undefined {
  try {
    return JSON.parse(text) as { metadata?: Record<string, unknown> } | undefined
  } catch {
    return undefined
  }
}
