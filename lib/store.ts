// The state behind revocation and limited-use links: what a store does, the revocations every process keeps a copy
// of (checked per request without a round trip), and the memory store, correct within one process.
import { isCanonicalSignature } from './base64url.js'
import { parseGrant } from './grant-cookie.js'
import { readLink } from './link-format.js'
import { isCanonicalPath } from './link-path.js'
import { unixSeconds } from './link-lifetime.js'
import { asOptions, assertKnownOptions, describeValue, toSeconds, type Duration } from './option-checks.js'

/** A verified link as a store reads it: the path requested, its expiry, when it was made (if stamped), its signature. */
export interface StoredLink {
  readonly path: string
  readonly expiresAt: number
  readonly issued?: number
  readonly signature: string
}

/** Options of `revokeFolder`: which links under the folder to take back (one of the two; default: made until now). */
export interface RevokeFolderOptions {
  /**
   * Links and grants made at or before this time (a Date, or Unix seconds; default now). A link says when it was
   * made only if its signer has `stampIssued`; one that does not say, and every grant, is taken back until the
   * revocation lapses at this time plus `maxTtl`, since it may be older.
   */
  issuedBefore?: Date | number
  /** Links and grants that expire before this time (a Date, or Unix seconds). */
  expiringBefore?: Date | number
  /** The longest lifetime the signers grant (their `maxTtl`): how long an `issuedBefore` revocation lasts. Default `'7d'`. */
  maxTtl?: Duration
}

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
 * per request) and count uses through `spend` and `refund`, which are atomic across every process sharing it.
 */
export interface LinkStore {
  /** Takes back one link or grant cookie value, whatever spelling it is requested in (it goes by the signature). */
  revoke(link: string): Promise<void>
  /** Takes back every link and grant under a folder (`'/'` for all) made, or expiring, before a time. */
  revokeFolder(folder: string, options?: RevokeFolderOptions): Promise<void>
  /** Whether a verified link is revoked, from this process's copy. */
  revoked(link: StoredLink): boolean
  /** False while this process's copy may have missed revocations (cut off from the shared store). */
  readonly current: boolean
  /**
   * Spends `amount` of a link's `limit` (kept until `until`, Unix seconds): true if it fit, false if the link has
   * not that much left (or nothing, for 0). Rejects when the store cannot answer: nothing was served on its word.
   */
  spend(signature: string, amount: number, limit: number, until: number): Promise<boolean>
  /** Gives back what a response did not use (a 304, an error). */
  refund(signature: string, amount: number): Promise<void>
  /** Stops its timers and connections. */
  close(): Promise<void>
}

// Revocations are kept this long past the links they cover: any clock tolerance of the guards is shorter.
export const SLACK_SECONDS = 3600

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
    const value = JSON.parse(text) as Record<string, unknown>
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
  } catch {
    return undefined
  }
}

/**
 * A process's copy of the revocations: links by signature, folders by folder, so a check is one lookup per `/` of
 * the path (no scan of the list, no clock unless something matched). Lapsed ones are ignored and dropped when the
 * copy is next written.
 */
export class RevocationSet {
  private readonly links = new Map<string, number>()
  private readonly folders = new Map<string, Extract<Revocation, { folder: string }>[]>()

  constructor(private readonly nowS: () => number) {}

  add(revocation: Revocation): void {
    this.drop()
    if ('signature' in revocation) {
      const until = this.links.get(revocation.signature) ?? 0
      if (revocation.until > until) this.links.set(revocation.signature, revocation.until)
      return
    }
    const list = this.folders.get(revocation.folder)
    if (list === undefined) this.folders.set(revocation.folder, [revocation])
    else list.push(revocation)
  }

  /** Replaces the whole copy (after a reconnection, which may have missed some). */
  replace(revocations: readonly Revocation[]): void {
    this.links.clear()
    this.folders.clear()
    for (const revocation of revocations) this.add(revocation)
  }

  has(link: StoredLink): boolean {
    if (this.links.size > 0) {
      const until = this.links.get(link.signature)
      if (until !== undefined && until > this.nowS()) return true
    }
    if (this.folders.size === 0) return false
    // The folders the path is in: '' (every link), then each prefix up to a `/`.
    const path = link.path
    if (this.covers(this.folders.get(''), link)) return true
    for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1))
      if (this.covers(this.folders.get(path.slice(0, i + 1)), link)) return true
    return false
  }

  private covers(list: Extract<Revocation, { folder: string }>[] | undefined, link: StoredLink): boolean {
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

  private drop(): void {
    const now = this.nowS()
    for (const [signature, until] of this.links) if (until <= now) this.links.delete(signature)
    for (const [folder, list] of this.folders) {
      const live = list.filter((f) => f.until > now)
      if (live.length === 0) this.folders.delete(folder)
      else this.folders.set(folder, live)
    }
  }
}

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** Clock in milliseconds, like `Date.now`. Default `Date.now`. Inject one in tests. */
  now?: () => number
}

/**
 * A store in this process's memory: revocations and use counts are correct within one process, and lost when it
 * stops. Under Node's cluster, or with several processes or hosts sharing keys, use the Redis store: each process
 * would count a limited-use link's uses on its own, and see only the revocations made through it.
 */
export function createMemoryStore(options: Readonly<MemoryStoreOptions> = {}): LinkStore {
  const opts = asOptions<MemoryStoreOptions>('createMemoryStore', options)
  assertKnownOptions('createMemoryStore', opts, new Set(['now']))
  const now = opts.now ?? Date.now
  if (typeof now !== 'function')
    throw new TypeError(`createMemoryStore: "now" must be a function, got ${describeValue(now)}`)
  const nowS = () => now() / 1000
  const revocations = new RevocationSet(nowS)
  const spent = new Map<string, { spent: number; until: number }>()
  let writes = 0
  const dropLapsed = () => {
    const at = nowS()
    for (const [signature, count] of spent) if (count.until <= at) spent.delete(signature)
  }
  // Each answers at once; as promises, so a guard treats every store alike.
  return {
    current: true,
    revoke: (link) => settled(() => revocations.add(linkRevocation(link))),
    revokeFolder: (folder, folderOptions) =>
      settled(() => revocations.add(folderRevocation(folder, folderOptions, nowS()))),
    revoked: (link) => revocations.has(link),
    spend: (signature, amount, limit, until) =>
      settled(() => {
        // Lapsed counts go now and then (their links have expired): memory stays bounded by the live links.
        if (++writes % 1024 === 0) dropLapsed()
        const count = spent.get(signature)
        const used = count === undefined || count.until <= nowS() ? 0 : count.spent
        if (used + amount > limit || (amount === 0 && used >= limit)) return false
        spent.set(signature, { spent: used + amount, until })
        return true
      }),
    refund: (signature, amount) =>
      settled(() => {
        const count = spent.get(signature)
        if (count !== undefined) count.spent = Math.max(0, count.spent - amount)
      }),
    close: () => Promise.resolve(),
  }
}

// A synchronous step as a promise: its value, or its TypeError as a rejection.
function settled<T>(step: () => T): Promise<T> {
  try {
    return Promise.resolve(step())
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)))
  }
}

let shared: LinkStore | undefined
/** The memory store of every guard given none (created on first need). */
export function defaultStore(): LinkStore {
  shared ??= createMemoryStore()
  return shared
}

const STORE_METHODS = ['revoke', 'revokeFolder', 'revoked', 'spend', 'refund', 'close'] as const

/** A guard's `store` option, checked: undefined, or an object with every method of a LinkStore. */
export function storeOf(factory: string, store: unknown): LinkStore | undefined {
  if (store === undefined) return undefined
  const methods = store as Record<string, unknown> | null
  if (typeof store !== 'object' || methods === null || STORE_METHODS.some((m) => typeof methods[m] !== 'function'))
    throw new TypeError(
      `${factory}: "store" must come from createMemoryStore() or createRedisStore(), got ${describeValue(store)}`,
    )
  return store as LinkStore
}
