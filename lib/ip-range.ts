// IP binding, runtime-neutral (no `node:` imports; the web entry uses it): addresses and CIDR ranges in their one
// canonical text, the list a link carries in its `ip` field, and whether a client address falls inside it.

/** A parsed address or range: 4 bytes (IPv4) or 16 (IPv6), and how many leading bits must match. */
interface Range {
  readonly bytes: Uint8Array
  readonly prefix: number
}

/** At most this many addresses or ranges in one link. */
export const MAX_RANGES = 16

const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/

/** The bytes of a dotted-quad IPv4 address (decimal 0-255, no leading zeros), or undefined. */
function parseIPv4(text: string): Uint8Array | undefined {
  const length = text.length
  if (length < 7 || length > 15) return undefined
  const bytes = new Uint8Array(4)
  let part = 0
  let value = 0
  let digits = 0
  for (let i = 0; i <= length; i++) {
    const c = i === length ? 0x2e /* . */ : text.charCodeAt(i)
    if (c === 0x2e) {
      if (digits === 0 || part === 4) return undefined
      bytes[part++] = value
      value = digits = 0
      continue
    }
    const d = c - 0x30 /* 0 */
    // A digit, not after a leading 0, and the value at most 255.
    if (d < 0 || d > 9 || (digits > 0 && value === 0)) return undefined
    value = value * 10 + d
    if (value > 255) return undefined
    digits++
  }
  return part === 4 ? bytes : undefined
}

/** The 16 bytes of an IPv6 address in any RFC 4291 text form (no zone), or undefined. */
function parseIPv6(text: string): Uint8Array | undefined {
  if (text.length < 2 || text.length > 45) return undefined
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const groups: number[][] = []
  for (let h = 0; h < halves.length; h++) {
    const words: number[] = []
    const parts = halves[h] === '' ? [] : halves[h].split(':')
    for (let i = 0; i < parts.length; i++) {
      // Only the last group of the address may be a dotted quad (::ffff:192.0.2.1).
      const last = h === halves.length - 1 && i === parts.length - 1
      const v4 = last && parts[i].includes('.') ? parseIPv4(parts[i]) : undefined
      if (v4 !== undefined) words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3])
      else if (HEX_GROUP.test(parts[i])) words.push(parseInt(parts[i], 16))
      else return undefined
    }
    groups.push(words)
  }
  const count = groups.reduce((n, words) => n + words.length, 0)
  let words: number[]
  if (groups.length === 1) {
    if (count !== 8) return undefined
    words = groups[0]
  } else {
    // `::` stands for one or more groups of zeros.
    if (count > 7) return undefined
    words = [...groups[0], ...new Array<number>(8 - count).fill(0), ...groups[1]]
  }
  const bytes = new Uint8Array(16)
  for (let i = 0; i < 8; i++) [bytes[2 * i], bytes[2 * i + 1]] = [words[i] >> 8, words[i] & 0xff]
  return bytes
}

// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is that IPv4 address: a dual-stack socket reports IPv4 clients so.
function unmapped(bytes: Uint8Array): Uint8Array {
  if (bytes.length !== 16 || bytes[10] !== 0xff || bytes[11] !== 0xff) return bytes
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return bytes
  return bytes.slice(12)
}

/**
 * A client address as a socket or `req.ip` gives it (IPv4, IPv6 in any form, IPv4-mapped IPv6 as IPv4, the zone
 * of an IPv6 address such as `%eth0` ignored), or undefined when it is not an address.
 */
export function parseClientAddress(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string' || text.length > 64) return undefined
  const percent = text.indexOf('%')
  const address = percent === -1 ? text : text.slice(0, percent)
  // A zone (`%eth0`) belongs to an IPv6 address only.
  if (percent !== -1 && !address.includes(':')) return undefined
  const bytes = address.includes(':') ? parseIPv6(address) : parseIPv4(address)
  return bytes === undefined ? undefined : unmapped(bytes)
}

/** RFC 5952 text of an address: dotted quad, or lower-case IPv6 with the longest run of zero groups as `::`. */
function formatAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.')
  const words: number[] = []
  for (let i = 0; i < 16; i += 2) words.push((bytes[i] << 8) | bytes[i + 1])
  let best = -1
  let bestLength = 1 // a single zero group is written as 0, not ::
  for (let i = 0; i < 8; i++) {
    let j = i
    while (j < 8 && words[j] === 0) j++
    if (j - i > bestLength) [best, bestLength] = [i, j - i]
    i = j
  }
  const hex = words.map((w) => w.toString(16))
  if (best === -1) return hex.join(':')
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`
}

function formatRange(range: Range): string {
  const full = range.bytes.length * 8
  return range.prefix === full ? formatAddress(range.bytes) : `${formatAddress(range.bytes)}/${range.prefix}`
}

// Whether every bit after the prefix is zero.
function isNetwork(bytes: Uint8Array, prefix: number): boolean {
  for (let bit = prefix; bit < bytes.length * 8; bit++) if (bytes[bit >> 3] & (0x80 >> (bit & 7))) return false
  return true
}

/** An address or range in any form a person writes one, or a reason it is not one (for a TypeError). */
function readRange(text: string): Range | string {
  const slash = text.indexOf('/')
  const address = slash === -1 ? text : text.slice(0, slash)
  let bytes = address.includes(':') ? parseIPv6(address) : parseIPv4(address)
  if (bytes === undefined) return 'is not an IPv4 or IPv6 address'
  let prefix = bytes.length * 8
  if (slash !== -1) {
    const bits = text.slice(slash + 1)
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(bits) || Number(bits) > prefix) return `has a prefix length outside 0-${prefix}`
    prefix = Number(bits)
  }
  const v4 = unmapped(bytes)
  if (v4 !== bytes) {
    if (prefix < 96) return 'is an IPv4-mapped range wider than IPv4 (write it as IPv4)'
    ;[bytes, prefix] = [v4, prefix - 96]
  }
  if (!isNetwork(bytes, prefix)) {
    const network = bytes.map((byte, i) => byte & (0xff << Math.max(0, Math.min(8, (i + 1) * 8 - prefix))))
    return `has bits set after its /${prefix} prefix (did you mean ${formatRange({ bytes: network, prefix })}?)`
  }
  return { bytes, prefix }
}

/**
 * The `ip` field of a link for sign's `ip` option (one address or range, or a list): each in its canonical text,
 * joined with `,`. Throws a TypeError naming the option.
 */
export function ipField(value: unknown): string {
  const list = typeof value === 'string' ? [value] : value
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_RANGES) {
    throw new TypeError(
      `sign: "ip" must be an address or CIDR range ('203.0.113.7', '2001:db8::/32'), or a list of 1 to ${MAX_RANGES}`,
    )
  }
  const texts: string[] = []
  for (const item of list as unknown[]) {
    if (typeof item !== 'string') throw new TypeError(`sign: "ip" entries must be strings, got a ${typeof item}`)
    const range = item.length > 64 ? 'is too long' : readRange(item)
    if (typeof range === 'string') throw new TypeError(`sign: "ip" entry ${JSON.stringify(item.slice(0, 64))} ${range}`)
    const text = formatRange(range)
    if (texts.includes(text)) throw new TypeError(`sign: "ip" lists ${text} twice`)
    texts.push(text)
  }
  return texts.join(',')
}

// The ranges of the `ip` fields read lately, by text: a link is read, then checked, and the same link comes back
// again and again. Bounded: emptied when full (texts are at most a few hundred characters).
const recent = new Map<string, readonly Range[] | undefined>()

/** The ranges of a link's `ip` field, or undefined unless every entry is in its canonical text (one spelling). */
export function readIpField(text: string): readonly Range[] | undefined {
  const known = recent.get(text)
  if (known !== undefined || recent.has(text)) return known
  if (recent.size >= 256) recent.clear()
  const ranges = parseIpField(text)
  recent.set(text, ranges)
  return ranges
}

function parseIpField(text: string): readonly Range[] | undefined {
  const entries = text.split(',')
  if (entries.length > MAX_RANGES) return undefined
  const ranges: Range[] = []
  for (const entry of entries) {
    const range = entry.length > 49 ? undefined : readRange(entry)
    if (range === undefined || typeof range === 'string' || formatRange(range) !== entry) return undefined
    ranges.push(range)
  }
  return ranges
}

/** Whether a client address (from parseClientAddress) lies in one of the ranges. */
export function inRanges(address: Uint8Array, ranges: readonly Range[]): boolean {
  for (const { bytes, prefix } of ranges) {
    if (bytes.length !== address.length) continue
    let bit = 0
    for (; bit < prefix; bit++) if ((bytes[bit >> 3] ^ address[bit >> 3]) & (0x80 >> (bit & 7))) break
    if (bit === prefix) return true
  }
  return false
}
