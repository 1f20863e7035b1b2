// IP binding, runtime-neutral (no `node:` imports; the web entry uses it): addresses and CIDR ranges in their one
// canonical text, the list a link carries in its `ip` field, and whether a client address falls inside it.

/** A parsed address or range: 4 bytes (IPv4) or 16 (IPv6), and how many leading bits must match. */
interface Range {
  readonly bytes: Uint8Array
  readonly prefix: number
}

import { formatAddress, parseAddress, unmapped } from '../util/ip-address.js'
import { parseClientAddress } from '../util/ip-address.js'
export { parseClientAddress }

/** At most this many addresses or ranges in one link. */
export const MAX_RANGES = 16

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
  let bytes = parseAddress(address)
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

/** Whether a client address (from parseClientAddress, in ip-address.ts) lies in one of the ranges. */
export function inRanges(address: Uint8Array, ranges: readonly Range[]): boolean {
  for (const { bytes, prefix } of ranges) {
    if (bytes.length !== address.length) continue
    let bit = 0
    for (; bit < prefix; bit++) if ((bytes[bit >> 3] ^ address[bit >> 3]) & (0x80 >> (bit & 7))) break
    if (bit === prefix) return true
  }
  return false
}

/** Whether the client address verify was given (or the function giving it returns) is one a link's `ip` holds. */
export function clientAllowed(ip: string, given: string | (() => string | undefined) | undefined): boolean {
  const address = parseClientAddress(typeof given === 'function' ? given() : given)
  const ranges = readIpField(ip)
  return address !== undefined && ranges !== undefined && inRanges(address, ranges)
}
