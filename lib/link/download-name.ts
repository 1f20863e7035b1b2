// Download names, runtime-neutral: the `disposition` and `filename` fields of a link, checked the same way when
// sign is asked for one and when a link carrying one is read back.
import { INVISIBLE_CLASS } from '../util/invisible-class.js'
import { encodePath } from './link-path.js'
import { percentDecode } from '../util/percent-decode.js'

/** How the response presents the file: saved under the name (`attachment`) or shown in the browser (`inline`). */
export type Disposition = 'attachment' | 'inline'

/** The longest name, in UTF-8 bytes: what common file systems store. */
export const MAX_FILENAME_BYTES = 255

// C0, DEL and C1 controls, `/` and `\`.
const REFUSED = /[\u0000-\u001f\u007f-\u009f/\\]/

/**
 * A character a download name may not hold: an invisible one (INVISIBLE_CLASS: default-ignorables, controls, format
 * characters, separators), or a noncharacter. Kept, as the lookahead says: the zero-width non-joiner and joiner
 * U+200C and U+200D that scripts and emoji need, and the variation selectors U+FE00-U+FE0F (emoji's U+FE0F, CJK's).
 * examples/nginx/signed-url.js holds the same set as ranges generated from this expression (njs has no `u` flag).
 */
export const INVISIBLE = new RegExp(
  `(?![\\u200c\\u200d]|[\\ufe00-\\ufe0f])[${INVISIBLE_CLASS}\\p{Noncharacter_Code_Point}]`,
  'u',
)

/** Why a name cannot be a download name, or undefined when it can. */
function filenameProblem(name: string): string | undefined {
  if (name.length === 0 || name === '.' || name === '..') return 'must be a file name (not empty, "." or "..")'
  if (!name.isWellFormed()) return 'must be well-formed Unicode (it holds a lone surrogate)'
  if (REFUSED.test(name)) return 'must not hold control characters, "/" or "\\"'
  const invisible = INVISIBLE.exec(name)
  if (invisible !== null) {
    const hex = (invisible[0].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')
    return `must not hold invisible or format characters (U+${hex}: bidirectional controls, zero-width spaces, separators, fillers, noncharacters)`
  }
  if (utf8Length(name) > MAX_FILENAME_BYTES) return `must be at most ${MAX_FILENAME_BYTES} bytes in UTF-8`
  return undefined
}

// The UTF-8 length of well-formed text (1 to 3 bytes a code unit, 4 for a surrogate pair), or for a short text
// the most it can be: exact wherever it matters, above the limit.
function utf8Length(text: string): number {
  if (text.length * 3 <= MAX_FILENAME_BYTES) return text.length * 3
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) i++
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? 4 : 3
  }
  return bytes
}

/** Sign's `filename` option, checked; throws a TypeError naming it. */
export function filenameOption(value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`sign: "filename" must be a string, got a ${typeof value}`)
  const problem = filenameProblem(value)
  if (problem !== undefined) throw new TypeError(`sign: "filename" ${problem}`)
  return value
}

/** Sign's `disposition` option, checked; throws a TypeError naming it. */
export function dispositionOption(value: unknown): Disposition {
  if (value !== 'attachment' && value !== 'inline')
    throw new TypeError(`sign: "disposition" must be 'attachment' or 'inline', got ${JSON.stringify(String(value))}`)
  return value
}

/**
 * A name as the link and the string to sign carry it, the one spelling accepted back: percent-encoded as sign
 * encodes a path (encodePath: everything but `A-Z a-z 0-9 - . _ ~`, so `! ' ( ) *` too, as the URL parser of a
 * Worker's runtime escapes `'` in a query). A name holds no `/`.
 */
export function encodeFilename(name: string): string {
  return encodePath(name)
}

/** The name a link's `filename` value spells, or undefined unless it is a good name in its one spelling. */
export function readFilename(text: string): string | undefined {
  if (text.length === 0 || text.length > 3 * MAX_FILENAME_BYTES) return undefined
  const ascii = readAsciiName(text)
  if (ascii !== NOT_ASCII) return ascii
  let name: string
  try {
    name = decodeURIComponent(text)
  } catch {
    return undefined
  }
  return filenameProblem(name) === undefined && encodeFilename(name) === text ? name : undefined
}

const NOT_ASCII = 0
// The unreserved characters but `/`: what encodeFilename leaves as it is.
const PLAIN = new Uint8Array(128)
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~') PLAIN[c.charCodeAt(0)] = 1
const HEX = new Int8Array(128).fill(-1)
for (let i = 0; i < 16; i++) HEX['0123456789ABCDEF'.charCodeAt(i)] = i

/**
 * An ASCII name (what most download names are) read from its spelling without decoding and encoding it again:
 * each character unreserved, each other byte `%XX` in upper case and a byte encodeFilename escapes, none a control,
 * `/` or `\` (no printable ASCII character is invisible). The same answer as the general reading below (a property
 * test holds it to that); NOT_ASCII for a spelling with a byte above 0x7f, which that reading decides.
 */
function readAsciiName(text: string): string | undefined | typeof NOT_ASCII {
  let escapes = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c !== 0x25 /* % */) {
      if (c >= 128 || PLAIN[c] === 0) return undefined
      continue
    }
    const hi = HEX[text.charCodeAt(i + 1)] ?? -1
    const lo = HEX[text.charCodeAt(i + 2)] ?? -1
    if (hi === -1 || lo === -1) return undefined
    const byte = hi * 16 + lo
    if (byte >= 0x80) return NOT_ASCII
    if (PLAIN[byte] === 1 || byte < 0x20 || byte === 0x7f || byte === 0x2f || byte === 0x5c) return undefined
    escapes = true
    i += 2
  }
  if (text === '.' || text === '..') return undefined
  const name = escapes ? (percentDecode(text) as string) : text // ASCII escapes, checked: always decoded
  return name.length > MAX_FILENAME_BYTES ? undefined : name
}

/** A link's `disposition` value, or undefined. */
export function readDisposition(text: string): Disposition | undefined {
  return text === 'attachment' || text === 'inline' ? text : undefined
}
