// A revocation: the one a `revoke` or `revokeFolder` makes (its arguments checked), and its text, what Redis keeps
// and publishes. Runtime-neutral.
import { isCanonicalSignature } from '../util/base64url.js'
import { parseGrant } from '../link/grant-cookie.js'
import { readLink } from '../link/link-format.js'
import { isCanonicalPath } from '../link/link-path.js'
import { unixSeconds } from '../link/link-lifetime.js'
import { asOptions, assertKnownOptions, describeValue, toSeconds } from '../util/option-checks.js'
import { SLACK_SECONDS, type RevokeFolderOptions } from './link-store.js'

/** One revocation: a link (by its signature) or a folder, and when it lapses (Unix seconds). */
export type Revocation =
  | {
      /** The signature of the link (or grant) taken back. */ readonly signature: string
      /** When it lapses: the link's expiry plus the slack. */ readonly until: number
    }
  | {
      /** The folder taken back, decoded, ending in `/`. */ readonly folder: string
      /** Links made at or before this time (Unix seconds). */ readonly issuedBefore?: number
      /** Links expiring before this time (Unix seconds). */ readonly expiringBefore?: number
      /** When it lapses (Unix seconds). */ readonly until: number
    }

/** A revocation of a folder. */
export type FolderRevocation = Extract<Revocation, { folder: string }>

/** The revocation a `revoke(link)` makes: the link's signature, until it expires; a TypeError for anything else. */
export function linkRevocation(link: unknown): Revocation {
  if (typeof link !== 'string')
    throw new TypeError(
      `revoke: the link must be a string (a signed URL or a grant cookie value), got ${describeValue(link)}`,
    )
  const read = readLink(link)
  const parsed = typeof read === 'string' || 'unsigned' in read ? parseGrant(link) : read
  if (parsed === undefined)
    throw new TypeError('revoke: not a signed link or a grant cookie value (it must carry expiry and signature)')
  return { signature: parsed.signature, until: parsed.expiry + SLACK_SECONDS }
}

/** The revocation a `revokeFolder` makes, its options checked (a TypeError names a bad one). */
export function folderRevocation(folder: unknown, options: unknown, nowS: number): Revocation {
  const relative = typeof folder === 'string' && folder.startsWith('/') ? folder.slice(1) : folder
  if (typeof relative !== 'string' || (relative !== '' && (!relative.endsWith('/') || !isCanonicalPath(relative))))
    throw new TypeError(
      `revokeFolder: "folder" must be a folder ending in "/" (or "/" for every link), got ${describeValue(folder)}`,
    )
  // Given decoded, as sign takes paths: an escape would be taken as the characters `%XX`, and match nothing sent.
  if (/%[0-9A-Fa-f]{2}/.test(relative))
    throw new TypeError(
      `revokeFolder: give the folder decoded, as sign takes paths ('/private/a b/', not '/private/a%20b/'), got ${describeValue(folder)}`,
    )
  const opts = asOptions<RevokeFolderOptions>('revokeFolder', options ?? {})
  assertKnownOptions('revokeFolder', opts, FOLDER_OPTIONS)
  if (opts.issuedBefore !== undefined && opts.expiringBefore !== undefined)
    throw new TypeError('revokeFolder: give "issuedBefore" or "expiringBefore", not both')
  if (opts.expiringBefore !== undefined) {
    const expiringBefore = unixSeconds('revokeFolder', 'expiringBefore', opts.expiringBefore)
    return { folder: relative, expiringBefore, until: expiringBefore + SLACK_SECONDS }
  }
  const maxTtl = toSeconds(opts.maxTtl ?? '7d')
  if (maxTtl === undefined || maxTtl < 1)
    throw new TypeError(
      `revokeFolder: "maxTtl" must be a positive number of seconds or '7d', got ${describeValue(opts.maxTtl)}`,
    )
  const issuedBefore =
    opts.issuedBefore === undefined ? Math.floor(nowS) : unixSeconds('revokeFolder', 'issuedBefore', opts.issuedBefore)
  return { folder: relative, issuedBefore, until: issuedBefore + maxTtl + SLACK_SECONDS }
}

const FOLDER_OPTIONS: ReadonlySet<string> = new Set(['issuedBefore', 'expiringBefore', 'maxTtl'])

/** A revocation as text: what Redis keeps and publishes, and the Worker stores. */
export function encodeRevocation(revocation: Revocation): string {
  return JSON.stringify(revocation)
}

/** A revocation read back from its text; undefined for text that is not one. */
export function decodeRevocation(text: string): Revocation | undefined {
  try {
    return revocationOf(JSON.parse(text))
  } catch {
    return undefined
  }
}

/** A revocation from a parsed JSON value (other fields ignored); undefined for a value that is not one. */
export function revocationOf(parsed: unknown): Revocation | undefined {
  const value = parsed as Record<string, unknown>
  if (typeof value !== 'object' || value === null || !Number.isSafeInteger(value.until)) return undefined
  const until = value.until as number
  if (typeof value.signature === 'string')
    return isCanonicalSignature(value.signature) ? { signature: value.signature, until } : undefined
  // A folder as revokeFolder makes one: '' or canonical ending in '/', and exactly one of the two times.
  const { folder, issuedBefore, expiringBefore } = value
  if (typeof folder !== 'string' || (folder !== '' && (!folder.endsWith('/') || !isCanonicalPath(folder))))
    return undefined
  if (Number.isSafeInteger(issuedBefore) && expiringBefore === undefined)
    return { folder, issuedBefore: issuedBefore as number, until }
  if (Number.isSafeInteger(expiringBefore) && issuedBefore === undefined)
    return { folder, expiringBefore: expiringBefore as number, until }
  return undefined
}
