// The revoked links of a process's copy (revocation-set.ts), by signature, and when each lapses: a hash table over
// typed arrays. A Map of a million strings made the guard 1.4x as costly (each check read objects scattered over
// 200 MB of heap: measured, bench:store); here a check of a link that is not revoked reads a byte or two of an array
// of one byte per slot (3 to 4 MB at a million), and the entries are bytes the garbage collector never walks. Their
// arrays grow as entries are added and stay that size: a load (revocation-set.ts) builds a new table.
import { lapsedSweeper } from './lapsed-sweeper.js'

// A link's signature: base64url of a 32-byte MAC, 43 ASCII characters. Any other string is kept in a Map.
const WIDTH = 43
// In 64 parts, each growing on its own: a part's rehash moves a 64th of the entries (a Map of a million that
// doubled stopped the event loop for 79 ms, measured).
const PARTS = 64
// How many entries each add looks at, to drop those that lapsed: the table stays bounded by the live ones.
const SWEEP = 4

// Where a signature goes, from its characters as they are: a signature is a MAC, its bits already random (no hash
// to compute: only the app, through revoke, puts signatures in, and only verified links are looked up). Its first
// character picks the part, the next five the slot, and five more its tag (1 to 255: 0 is an empty slot).
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const CODES = new Uint8Array(128)
for (let i = 0; i < ALPHABET.length; i++) CODES[ALPHABET.charCodeAt(i)] = i
// The 30 bits of five characters from `at`.
function bits(s: string, at: number): number {
  let value = 0
  for (let i = at; i < at + 5; i++) value = (value << 6) | CODES[s.charCodeAt(i) & 127]
  return value
}
let slotHash = 0
let tag = 0
function locate(signature: string): number {
  slotHash = bits(signature, 1)
  tag = (bits(signature, 6) % 255) + 1
  return CODES[signature.charCodeAt(0) & 127]
}

// Whether a string is kept in the table: 43 characters, each one byte of ASCII (checked when added; a wider one
// looked up never equals a byte kept).
function fits(signature: string): boolean {
  if (signature.length !== WIDTH) return false
  for (let i = 0; i < WIDTH; i++) if (signature.charCodeAt(i) > 127) return false
  return true
}

/** Signatures (43 ASCII characters, or any other string) and a number each: when its revocation lapses. */
export class SignatureTable {
  private readonly parts = Array.from({ length: PARTS }, () => new Part())
  private readonly others = new Map<string, number>()
  private sweepPart = 0

  get size(): number {
    let size = this.others.size
    for (const part of this.parts) size += part.count
    return size
  }

  get(signature: string): number | undefined {
    if (signature.length !== WIDTH) return this.others.get(signature)
    const part = this.parts[locate(signature)]
    const entry = part.find(signature)
    if (entry >= 0) return part.untils[entry]
    return this.others.size === 0 ? undefined : this.others.get(signature)
  }

  set(signature: string, until: number): void {
    if (!fits(signature)) {
      this.others.set(signature, until)
      return
    }
    const part = this.parts[locate(signature)]
    const entry = part.find(signature)
    if (entry >= 0) part.untils[entry] = until
    else part.insert(signature, until)
  }

  /** Looks at a few entries, from where the last look stopped, and drops those lapsed at `now`. */
  sweep(now: number): void {
    for (let looked = 0; looked < SWEEP; looked++) {
      let part = this.parts[this.sweepPart]
      for (let turns = 0; part.cursor >= part.count && turns < PARTS; turns++) {
        part.cursor = 0
        this.sweepPart = (this.sweepPart + 1) % PARTS
        part = this.parts[this.sweepPart]
      }
      if (part.cursor >= part.count) break
      if (part.untils[part.cursor] <= now) part.remove(part.cursor)
      else part.cursor++
    }
    this.sweepOthers(this.others, now)
  }

  private readonly sweepOthers = lapsedSweeper<number>((until, now) => until <= now)
}

// One part: slots (open addressing, linear probing, at most half full), each a tag and an entry's index; entries
// packed in the order added (a removed one takes the last one's place), each its signature's bytes, lapse, slot
// hash and tag.
class Part {
  count = 0
  cursor = 0
  private mask = 15
  private tags = new Uint8Array(16)
  private refs = new Int32Array(16)
  private bytes = new Uint8Array(8 * WIDTH)
  untils = new Float64Array(8)
  private slotHashes = new Uint32Array(8)
  private entryTags = new Uint8Array(8)

  // The entry of `signature` (located just before), or -1.
  find(signature: string): number {
    for (let i = slotHash & this.mask; this.tags[i] !== 0; i = (i + 1) & this.mask) {
      if (this.tags[i] !== tag) continue
      const entry = this.refs[i]
      const at = entry * WIDTH
      let k = 0
      while (k < WIDTH && this.bytes[at + k] === signature.charCodeAt(k)) k++
      if (k === WIDTH) return entry
    }
    return -1
  }

  // Adds `signature` (located just before, and not in the part).
  insert(signature: string, until: number): void {
    if (this.count === this.untils.length) this.growEntries()
    if (2 * (this.count + 1) > this.mask + 1) this.growSlots()
    const entry = this.count++
    for (let k = 0; k < WIDTH; k++) this.bytes[entry * WIDTH + k] = signature.charCodeAt(k)
    this.untils[entry] = until
    this.slotHashes[entry] = slotHash
    this.entryTags[entry] = tag
    this.place(entry)
  }

  // Drops an entry: its slot is emptied and the slots after it move back (so no search stops short), then the last
  // entry takes its place.
  remove(entry: number): void {
    let hole = this.slotOf(entry)
    for (let i = (hole + 1) & this.mask; this.tags[i] !== 0; i = (i + 1) & this.mask) {
      const home = this.slotHashes[this.refs[i]] & this.mask
      // Stays unless its home is cyclically outside (hole, i].
      const stays = hole <= i ? home > hole && home <= i : home > hole || home <= i
      if (stays) continue
      this.tags[hole] = this.tags[i]
      this.refs[hole] = this.refs[i]
      hole = i
    }
    this.tags[hole] = 0
    const last = --this.count
    if (entry !== last) {
      this.bytes.copyWithin(entry * WIDTH, last * WIDTH, (last + 1) * WIDTH)
      this.untils[entry] = this.untils[last]
      this.slotHashes[entry] = this.slotHashes[last]
      this.entryTags[entry] = this.entryTags[last]
      this.refs[this.slotOf(last)] = entry
    }
  }

  private slotOf(entry: number): number {
    let i = this.slotHashes[entry] & this.mask
    while (this.refs[i] !== entry || this.tags[i] === 0) i = (i + 1) & this.mask
    return i
  }

  private place(entry: number): void {
    let i = this.slotHashes[entry] & this.mask
    while (this.tags[i] !== 0) i = (i + 1) & this.mask
    this.tags[i] = this.entryTags[entry]
    this.refs[i] = entry
  }

  private growEntries(): void {
    const size = this.untils.length * 2
    const grown = <T extends Uint8Array | Uint32Array | Float64Array>(from: T, to: T): T => {
      to.set(from)
      return to
    }
    this.bytes = grown(this.bytes, new Uint8Array(size * WIDTH))
    this.untils = grown(this.untils, new Float64Array(size))
    this.slotHashes = grown(this.slotHashes, new Uint32Array(size))
    this.entryTags = grown(this.entryTags, new Uint8Array(size))
  }

  private growSlots(): void {
    const slots = (this.mask + 1) * 2
    this.mask = slots - 1
    this.tags = new Uint8Array(slots)
    this.refs = new Int32Array(slots)
    for (let entry = 0; entry < this.count; entry++) this.place(entry)
  }
}
