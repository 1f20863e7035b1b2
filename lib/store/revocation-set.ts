// The copy every process keeps of the revocations (RevocationSet), checked per request without a round trip.
import type { StoredLink } from './link-store.js'
import { lapsedSweeper } from './lapsed-sweeper.js'
import type { FolderRevocation, Revocation } from './revocation.js'
import { SignatureTable } from './signature-table.js'

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
  private links = new SignatureTable()
  private folders = new Map<string, FolderRevocation[]>()
  // Adds made while a load runs, applied again on top of what it loaded; undefined when none runs.
  private journal: Revocation[] | undefined
  private readonly folderSweeper = lapsedSweeper<FolderRevocation[]>((list, now) => list.every((f) => f.until <= now))

  constructor(private readonly nowS: () => number) {}

  /** Adds a revocation (one already lapsed is dropped); during a load, the load keeps it too. */
  add(revocation: Revocation): void {
    this.journal?.push(revocation)
    const now = this.nowS()
    if ('signature' in revocation) this.links.sweep(now)
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
    const links = new SignatureTable()
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
    let size = this.links.size
    for (const list of this.folders.values()) size += list.length
    return size
  }

  /** Whether a verified link is taken back: by its signature, or by a folder revocation that covers it. */
  has(link: StoredLink): boolean {
    const until = this.links.get(link.signature)
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

// One revocation into a copy: a link keeps its latest lapse; a folder's list drops what lapsed and keeps only
// revocations that no other covers (one that takes back at least as much, at least as long). Past MAX_FOLDER_LIST,
// the revocations of one kind merge into one that takes back the most any did, for the longest: more than each
// took back (the safe side), and a list, and the check of a link against it, stay short however it is revoked.
function put(
  links: SignatureTable,
  folders: Map<string, FolderRevocation[]>,
  revocation: Revocation,
  now: number,
): void {
  if ('signature' in revocation) {
    const until = links.get(revocation.signature) ?? 0
    if (revocation.until > until) links.set(revocation.signature, revocation.until)
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
