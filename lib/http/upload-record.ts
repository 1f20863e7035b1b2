// What the partial folder keeps of each resumable upload besides its bytes and @tus/file-store's `<id>.json` (its
// metadata, which tus shows the client). Beside them, and never shown: `<id>.link`, the link that created the upload
// (its signature and when it was made, so revoking that link stops the upload too; its expiry, for the sweep), and
// once it has landed `<id>.landed`, its size (a landed upload has no bytes here: its HEAD and a repeated last PATCH
// are answered from the mark). An upload's id comes from its link, so one link has at most one upload at a time.
import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { VerifiedLink } from './middleware.js'

/** The upload id of the upload a put link creates: 22 base64url characters from its signature. */
export function uploadIdOf(link: VerifiedLink): string {
  return createHash('sha256').update(`tus:${link.signature}`).digest('base64url').slice(0, 22)
}

/** Keeps the creating link of upload `id` (its signature and issue time), beside it and out of the client's sight. */
export async function keepLink(folder: string, id: string, link: VerifiedLink): Promise<void> {
  await fs.mkdir(folder, { recursive: true })
  const kept = { signature: link.signature, issued: link.issued, expiry: link.expiresAt }
  await fs.writeFile(path.join(folder, `${id}.link`), JSON.stringify(kept))
}

/**
 * The link that created an upload, as a store checks it for revocation: the upload's own verified link with the
 * creating link's signature and issue time. Undefined when the upload has no record (gone, or never made).
 */
export async function parentOf(folder: string, location: VerifiedLink): Promise<VerifiedLink | undefined> {
  const id = location.upload
  if (id === undefined) return undefined
  const text = await fs.readFile(path.join(folder, `${id}.link`), 'utf8').catch(() => undefined)
  const kept = text === undefined ? undefined : (parse(text) as { signature?: unknown; issued?: unknown } | undefined)
  if (typeof kept?.signature !== 'string') return undefined
  const parent = Object.create(location) as object
  Object.defineProperty(parent, 'signature', { value: kept.signature })
  Object.defineProperty(parent, 'issued', { value: Number.isSafeInteger(kept.issued) ? kept.issued : undefined })
  return parent as VerifiedLink
}

/** A tus upload's metadata from @tus/file-store's `<id>.json`; undefined when absent or not JSON. */
export async function readMetadata(file: string): Promise<Record<string, unknown> | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => undefined)
  const info = text === undefined ? undefined : (parse(text) as { metadata?: Record<string, unknown> } | null)
  return info?.metadata ?? undefined
}

/** The expiry (Unix seconds) kept with upload `id`'s creating link; undefined without one. */
export async function expiryOf(folder: string, id: string): Promise<number | undefined> {
  const text = await fs.readFile(path.join(folder, `${id}.link`), 'utf8').catch(() => undefined)
  const expiry = text === undefined ? undefined : (parse(text) as { expiry?: unknown } | undefined)?.expiry
  return typeof expiry === 'number' && Number.isSafeInteger(expiry) ? expiry : undefined
}

/** The size upload `id` landed with, or undefined while it has not landed. */
export async function landedSize(folder: string, id: string): Promise<number | undefined> {
  const text = await fs.readFile(path.join(folder, `${id}.landed`), 'utf8').catch(() => undefined)
  const size = text === undefined ? undefined : Number(text)
  return size !== undefined && Number.isSafeInteger(size) && size >= 0 ? size : undefined
}

/** Marks upload `id` landed with `size` bytes, and drops tus's record of it (its bytes are gone from here). */
export async function markLanded(folder: string, id: string, size: number): Promise<void> {
  await fs.writeFile(path.join(folder, `${id}.landed`), String(size))
  await fs.rm(path.join(folder, `${id}.json`), { force: true })
}

/**
 * Removes what a link's earlier upload left (its bytes under a second name if it landed, its records, a landing's
 * own name left by a killed process), before the link creates a new one or once the sweep finds it expired.
 */
export async function clearUpload(folder: string, id: string, names?: readonly string[]): Promise<void> {
  const landing = (names ?? []).filter((name) => name.startsWith(`${id}.landing.`))
  for (const name of [id, `${id}.json`, `${id}.link`, `${id}.landed`, ...landing])
    await fs.rm(path.join(folder, name), { force: true })
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
