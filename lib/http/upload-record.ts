// What the partial folder keeps of each resumable upload besides its bytes, beside @tus/file-store's own `<id>.json`
// (its metadata): the link that created it (its signature and when it was made, so revoking that link stops the
// upload too), its expiry (for the sweep), and `<id>.landed` once it has landed (so a repeated last PATCH does not
// land it again). An upload's id comes from its link, so one link has at most one upload at a time.
import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { VerifiedLink } from './middleware.js'

/** The metadata keys this package adds to a tus upload's. */
export const EXPIRY_KEY = 'signed-url-expiry'
const LINK_KEY = 'signed-url-link'
const ISSUED_KEY = 'signed-url-issued'

/** The upload id of the upload a put link creates: 22 base64url characters from its signature. */
export function uploadIdOf(link: VerifiedLink): string {
  return createHash('sha256').update(`tus:${link.signature}`).digest('base64url').slice(0, 22)
}

/** The metadata a creation through `link` is stored with: the client's, and the link's, over any the client sent. */
export function recordOf(link: VerifiedLink, client: Record<string, string | null> | undefined) {
  return {
    ...client,
    [EXPIRY_KEY]: String(link.expiresAt),
    [LINK_KEY]: link.signature,
    ...(link.issued === undefined ? { [ISSUED_KEY]: null } : { [ISSUED_KEY]: String(link.issued) }),
  }
}

/**
 * The link that created an upload, as a store checks it for revocation: the upload's own verified link with the
 * creating link's signature and issue time. Undefined when the upload has no record (gone, or never made).
 */
export async function parentOf(folder: string, location: VerifiedLink): Promise<VerifiedLink | undefined> {
  const id = location.upload
  if (id === undefined) return undefined
  const metadata = await readMetadata(path.join(folder, `${id}.json`))
  const signature = metadata?.[LINK_KEY]
  if (typeof signature !== 'string') return undefined
  const issued = Number(metadata?.[ISSUED_KEY])
  const parent = Object.create(location) as { signature: string; issued?: number }
  Object.defineProperty(parent, 'signature', { value: signature })
  Object.defineProperty(parent, 'issued', { value: Number.isSafeInteger(issued) ? issued : undefined })
  return parent as unknown as VerifiedLink
}

/** A tus upload's metadata from @tus/file-store's `<id>.json`; undefined when absent or not JSON. */
export async function readMetadata(file: string): Promise<Record<string, unknown> | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  try {
    const info = JSON.parse(text) as { metadata?: Record<string, unknown> } | null
    return info?.metadata ?? undefined
  } catch {
    return undefined
  }
}

/** Whether an upload has landed. */
export function landed(folder: string, id: string): Promise<boolean> {
  return fs.stat(path.join(folder, `${id}.landed`)).then(
    () => true,
    () => false,
  )
}

/** Marks an upload landed. */
export async function markLanded(folder: string, id: string): Promise<void> {
  await fs.writeFile(path.join(folder, `${id}.landed`), '')
}

/**
 * Removes what a link's earlier upload left (its bytes under a second name if it landed, its record, its mark),
 * before the link creates a new one: a new creation starts from nothing, and never writes into a landed file.
 */
export async function clearUpload(folder: string, id: string): Promise<void> {
  for (const name of [id, `${id}.json`, `${id}.landed`]) await fs.rm(path.join(folder, name), { force: true })
}
