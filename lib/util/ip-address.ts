// IP addresses, runtime-neutral: reading IPv4 and IPv6 text (a client's address in any form, IPv4-mapped as IPv4),
// and writing the one canonical text of an address (RFC 5952 for IPv6).

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
export function unmapped(bytes: Uint8Array): Uint8Array {
  if (bytes.length !== 16 || bytes[10] !== 0xff || bytes[11] !== 0xff) return bytes
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return bytes
  return bytes.slice(12)
}

/** An IPv4 or IPv6 address (no zone) in any text form, or undefined. */
export function parseAddress(text: string): Uint8Array | undefined {
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text)
}

/**
 * A client address as a socket or `req.ip` gives it (IPv4, IPv6 in any form, IPv4-mapped IPv6 as IPv4, the zone
 * of an IPv6 address such as `%eth0` ignored), or undefined when it is not an address.
 */
export function parseClientAddress(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string' || text.length > 64) return undefined
  const percent = text.indexOf('%')
  const address = percent === -1 ? text : text.slice(0, percent)
  const bytes = parseAddress(address)
  if (bytes === undefined) return undefined
  const v4 = unmapped(bytes)
  // A zone (`%eth0`, not empty) belongs to a real IPv6 address only: never to IPv4, mapped or not.
  if (percent !== -1 && (v4 !== bytes || bytes.length === 4 || percent === text.length - 1)) return undefined
  return v4
}

/** RFC 5952 text of an address: dotted quad, or lower-case IPv6 with the longest run of zero groups as `::`. */
export function formatAddress(bytes: Uint8Array): string {
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
