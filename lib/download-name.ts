// Download names, runtime-neutral: the `disposition` and `filename` fields of a link, checked the same way when
// sign is asked for one and when a link carrying one is read back.
import { encodePath } from './link-path.js'

/** How the response presents the file: saved under the name (`attachment`) or shown in the browser (`inline`). */
export type Disposition = 'attachment' | 'inline'

/** The longest name, in UTF-8 bytes: what common file systems store. */
export const MAX_FILENAME_BYTES = 255

// C0, DEL and C1 controls, `/` and `\`.
const REFUSED = /[\u0000-\u001f\u007f-\u009f/\\]/

/**
 * Characters that do not show, or change how the rest shows, by code point ranges: the format characters
 * (Unicode's Cf) but the zero-width joiner and non-joiner that scripts and emoji need, among them the
 * bidirectional controls that make `Report\u202Efdp.exe` show as `Reportexe.pdf`; the line and paragraph
 * separators; the Hangul fillers; the other default-ignorable marks (the grapheme joiner U+034F, Khmer's inherent
 * vowels, Mongolian's variation selectors, all of plane 14's tags and selectors); and the noncharacters
 * (U+FDD0-U+FDEF, and the last two of each plane, below). The variation selectors U+FE00-U+FE0F stay: emoji
 * (U+FE0F) and CJK names need them.
 */
// prettier-ignore
const INVISIBLE: ReadonlyArray<readonly [number, number]> = [
  [0xad, 0xad], [0x600, 0x605], [0x61c, 0x61c], [0x6dd, 0x6dd], [0x70f, 0x70f], [0x890, 0x891], [0x8e2, 0x8e2],
  [0x115f, 0x1160], [0x180e, 0x180e], [0x200b, 0x200b], [0x200e, 0x200f], [0x2028, 0x202e], [0x2060, 0x2064],
  [0x2066, 0x206f], [0x3164, 0x3164], [0xfdd0, 0xfdef], [0xfeff, 0xfeff], [0xffa0, 0xffa0], [0xfff9, 0xfffb],
  [0x110bd, 0x110bd], [0x110cd, 0x110cd], [0x13430, 0x1343f], [0x1bca0, 0x1bca3], [0x1d173, 0x1d17a],
  [0x34f, 0x34f], [0x17b4, 0x17b5], [0x180b, 0x180d], [0x180f, 0x180f], [0xe0000, 0xe0fff],
]

/** Whether a code point is one of INVISIBLE, or a noncharacter U+xFFFE or U+xFFFF. */
function isInvisible(codePoint: number): boolean {
  if ((codePoint & 0xfffe) === 0xfffe) return true
  for (const [low, high] of INVISIBLE) if (codePoint >= low && codePoint <= high) return true
  return false
}

/** Why a name cannot be a download name, or undefined when it can. */
function filenameProblem(name: string): string | undefined {
  if (name.length === 0 || name === '.' || name === '..') return 'must be a file name (not empty, "." or "..")'
  if (!name.isWellFormed()) return 'must be well-formed Unicode (it holds a lone surrogate)'
  if (REFUSED.test(name)) return 'must not hold control characters, "/" or "\\"'
  for (let i = 0; i < name.length; i++) {
    const codePoint = name.codePointAt(i) as number
    if (codePoint > 0xffff) i++
    if (isInvisible(codePoint)) {
      const hex = codePoint.toString(16).toUpperCase().padStart(4, '0')
      return `must not hold invisible or format characters (U+${hex}: bidirectional controls, zero-width spaces, separators, fillers, noncharacters)`
    }
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
  let name: string
  try {
    name = decodeURIComponent(text)
  } catch {
    return undefined
  }
  return filenameProblem(name) === undefined && encodeFilename(name) === text ? name : undefined
}

/** A link's `disposition` value, or undefined. */
export function readDisposition(text: string): Disposition | undefined {
  return text === 'attachment' || text === 'inline' ? text : undefined
}
