// Revocations: the one a `revoke` or `revokeFolder` makes, their text (what Redis keeps and publishes), and the copy
// every process keeps of them (RevocationSet), checked per request without a round trip.
import { isCanonicalSignature } from '../util/base64url.js'
import { parseGrant } from '../link/grant-cookie.js'
import { readLink } from '../link/link-format.js'
import { isCanonicalPath } from '../link/link-path.js'
import { unixSeconds } from '../link/link-lifetime.js'
import { asOptions, assertKnownOptions, describeValue, toSeconds } from '../util/option-checks.js'
import { SLACK_SECONDS, type RevokeFolderOptions, type StoredLink } from './link-store.js'

/** One revocation: a link (by its signature) or a folder, and when it lapses (Unix seconds). */
export type Revocation =
  | { readonly signature: string; readonly until: number }
  | {
      readonly folder: string
      readonly issuedBefore?: number
      readonly expiringBefore?: number
      readonly until: number
    }

/**
 * Where revocations and use counts live. The guards read revocations from `revoked` (a local copy: no round trip
 * per request) and count uses through `take`, `settle` and `renew`, which are atomic across every process sharing
 * it (the budget's rules: use-budget.ts).

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

/** A revocation as text (what Redis keeps and publishes), and back; undefined for text that is not one. */
export function encodeRevocation(revocation: Revocation): string {
  return JSON.stringify(revocation)
}

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

type FolderRevocation = Extract<Revocation, { folder: string }>

/** A load of a {@link RevocationSet} under way: what `put` gives it takes the copy's place at `finish`. */
export interface RevocationLoad {
  /** Adds part of the whole list (lapsed ones are left out). */
  put(revocations: Iterable<Revocation>): void
  /** Puts the loaded list in place of the copy, with every revocation added to the copy since the load began. */
  finish(): void
}

/**
 * A process's copy of the revocations: links by signature, folders by folder, so a check is one lookup per `/` of
 * the path (no scan of the list, no clock unless something matched). Every write costs the same whatever the size
 * of the copy: lapsed links are swept a few at a time as others are added, and a folder keeps only the revocations
 * no other of its own covers. A load (after a reconnection, which may have missed some) builds a new copy beside the
 * current one, in parts, and keeps whatever was added while it ran: a revocation that arrives after Redis read
 * the list, but before the load ends, is in neither the list nor lost.
 */
export class RevocationSet {
  private links = shards()
  private folders = new Map<string, FolderRevocation[]>()
  // Adds made while a load runs, applied again on top of what it loaded; undefined when none runs.
  private journal: Revocation[] | undefined
  private readonly sweepers = Array.from({ length: SHARDS }, () => lapsedSweeper<number>((until, now) => until <= now))
  private readonly folderSweeper = lapsedSweeper<FolderRevocation[]>((list, now) => list.every((f) => f.until <= now))

  constructor(private readonly nowS: () => number) {}

  add(revocation: Revocation): void {
    this.journal?.push(revocation)
    const now = this.nowS()
    if ('signature' in revocation) {
      const shard = shardOf(revocation.signature)
      this.sweepers[shard](this.links[shard], now)
    }
    this.folderSweeper(this.folders, now)
    put(this.links, this.folders, revocation, now)
  }

  /** Replaces the whole copy at once (the Worker's, from its list): a load with one part. */
  replace(revocations: Iterable<Revocation>): void {
    const load = this.load()
    load.put(revocations)
    load.finish()
  }

  /** Starts a load; the copy stays in use, and keeps taking adds, until `finish`. One load at a time. */
  load(): RevocationLoad {
    const links = shards()
    const folders = new Map<string, FolderRevocation[]>()
    const journal: Revocation[] = []
    this.journal = journal
    return {
      put: (revocations) => {
        const now = this.nowS()
        for (const revocation of revocations) if (revocation.until > now) put(links, folders, revocation, now)
      },
      finish: () => {
        if (this.journal !== journal) throw new Error('RevocationSet: another load took the place of this one')
        const now = this.nowS()
        for (const revocation of journal) put(links, folders, revocation, now)
        this.links = links
        this.folders = folders
        this.journal = undefined
      },
    }
  }

  /** How many revocations the copy holds (lapsed ones not yet swept among them). */
  get size(): number {
    let size = 0
    for (const shard of this.links) size += shard.size
    for (const list of this.folders.values()) size += list.length
    return size
  }

  has(link: StoredLink): boolean {
    const until = this.links[shardOf(link.signature)].get(link.signature)
    if (until !== undefined && until > this.nowS()) return true
    if (this.folders.size === 0) return false
    // The folders the path is in: '' (every link), then each prefix up to a `/`.
    const path = link.path
    if (this.covers(this.folders.get(''), link)) return true
    for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1))
      if (this.covers(this.folders.get(path.slice(0, i + 1)), link)) return true
    return false
  }

  private covers(list: FolderRevocation[] | undefined, link: StoredLink): boolean {
    if (list === undefined) return false
    const now = this.nowS()
    for (const f of list) {
      if (f.until <= now) continue
      // A link that does not say when it was made may be older than the revocation: taken back.
      const taken =
        f.expiringBefore !== undefined
          ? link.expiresAt < f.expiringBefore
          : link.issued === undefined || link.issued <= (f.issuedBefore ?? 0)
      if (taken) return true
    }
    return false
  }
}

// Revoked links are kept in 64 maps by their signature's first character (random: base64url of a MAC). A Map grows
// by copying itself whole into one twice its size: at a million links in one Map, that copy stopped the event loop
// for 79 ms (measured, bench:store); in 64, each copy is a 64th of it. Lookups cost one more array index.
const SHARDS = 64
const shards = () => Array.from({ length: SHARDS }, () => new Map<string, number>())
const shardOf = (signature: string) => signature.charCodeAt(0) & (SHARDS - 1)

/**
 * A sweep of lapsed entries spread over the writes: each call looks at two entries of the map, from where the last
 * call stopped (a Map's iterator survives deletes, and starts over once done or once given another map). Memory
 * stays bounded by the live entries plus those that lapsed since the sweep last passed, and no write walks the
 * whole map (which made a load of n revocations cost n^2).
 */
export function lapsedSweeper<V>(
  lapsed: (value: V, now: number) => boolean,
): (map: Map<string, V>, now: number) => void {
  let swept: Map<string, V> | undefined
  let at: Iterator<[string, V]> | undefined
  return (map, now) => {
    if (swept !== map) {
      swept = map
      at = undefined
    }
    for (let i = 0; i < 2 && map.size > 0; i++) {
      at ??= map.entries()
      const next = at.next()
      if (next.done === true) at = undefined
      else if (lapsed(next.value[1], now)) map.delete(next.value[0])
    }
  }
}

// One revocation into a copy's maps: a link keeps its latest lapse; a folder's list drops what lapsed and keeps only
// revocations that no other covers (one that takes back at least as much, at least as long). Past MAX_FOLDER_LIST,
// the revocations of one kind merge into one that takes back the most any did, for the longest: more than each
// took back (the safe side), and a list, and the check of a link against it, stay short however it is revoked.
function put(
  links: Map<string, number>[],
  folders: Map<string, FolderRevocation[]>,
  revocation: Revocation,
  now: number,
): void {
  if ('signature' in revocation) {
    const shard = links[shardOf(revocation.signature)]
    const until = shard.get(revocation.signature) ?? 0
    if (revocation.until > until) shard.set(revocation.signature, revocation.until)
    return
  }
  const list = (folders.get(revocation.folder) ?? []).filter((f) => f.until > now)
  if (list.some((f) => covered(revocation, f))) return
  const kept = list.filter((f) => !covered(f, revocation))
  kept.push(revocation)
  folders.set(revocation.folder, kept.length > MAX_FOLDER_LIST ? merged(kept) : kept)
}

const MAX_FOLDER_LIST = 8

// A folder's revocations as at most two: one of each kind, the greatest time and the latest lapse of its kind.
function merged(list: readonly FolderRevocation[]): FolderRevocation[] {
  const out: FolderRevocation[] = []
  for (const kind of ['issuedBefore', 'expiringBefore'] as const) {
    const of = list.filter((f) => f[kind] !== undefined)
    if (of.length === 0) continue
    const time = Math.max(...of.map((f) => f[kind] as number))
    const until = Math.max(...of.map((f) => f.until))
    out.push(
      kind === 'issuedBefore'
        ? { folder: of[0].folder, issuedBefore: time, until }
        : { folder: of[0].folder, expiringBefore: time, until },
    )
  }
  return out
}

// Whether revocation `a` of a folder takes back nothing that `b` of the same folder does not, for no longer.
function covered(a: FolderRevocation, b: FolderRevocation): boolean {
  if (a.until > b.until) return false
  if (a.expiringBefore !== undefined) return b.expiringBefore !== undefined && a.expiringBefore <= b.expiringBefore
  return b.issuedBefore !== undefined && (a.issuedBefore ?? 0) <= b.issuedBefore
}
