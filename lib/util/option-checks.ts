import { INVISIBLE_CLASS } from './invisible-class.js'

/**
 * A length of time: whole seconds, or a string such as `'90s'`, `'10m'`, `'12h'`, `'7d'` (up to 9 digits). The
 * string form type-checks only as digits and a unit, so `'1.5h'`, `'-1h'` and `'10 minutes'` are compile errors;
 * TypeScript cannot say "a whole non-negative number", so a number is checked when the option is read.
 */
export type Duration = number | (`${bigint}${DurationUnit}` & `${Digit}${string}`)
type DurationUnit = 's' | 'm' | 'h' | 'd'
type Digit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9'

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 }
const DURATION = /^([0-9]{1,9})(s|m|h|d)$/

/** Whole seconds from a Duration; `undefined` when the value is not one (the caller names the option). */
export function toSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined
  if (typeof value !== 'string') return undefined
  const match = DURATION.exec(value)
  return match ? Number(match[1]) * UNIT_SECONDS[match[2]] : undefined
}

/** A boolean option (default `false`); a TypeError that names it for anything else. */
export function booleanOption(factory: string, name: string, value: unknown): boolean {
  if (value === undefined) return false
  if (typeof value !== 'boolean')
    throw new TypeError(`${factory}: "${name}" must be a boolean, got ${describeValue(value)}`)
  return value
}

/** A `now` option: a clock in milliseconds like `Date.now` (the default); a TypeError that names it for anything else. */
export function clockOption(factory: string, now: unknown): () => number {
  if (now === undefined) return Date.now
  if (typeof now !== 'function')
    throw new TypeError(`${factory}: "now" must be a function returning milliseconds, got ${describeValue(now)}`)
  return now as () => number
}

/** An options object as it is being built (its readonly fields writable). */
export type Mutable<T> = { -readonly [F in keyof T]: T[F] }

/** Shows a bad option value in a message; strings longer than a short word are not echoed (a secret pasted
 * into the wrong option must not reach a log). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return value.length <= 12 ? JSON.stringify(value) : `a string of ${value.length} characters`
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value)
  if (typeof value === 'function') return 'a function'
  if (Array.isArray(value)) return 'an array'
  const tag = Object.prototype.toString.call(value).slice(8, -1)
  return tag === 'Object' ? 'an object' : `a ${tag}`
}

/** Names only the kind of a value, never a string's content: for places a secret may be passed by mistake. */
export function kind(value: unknown): string {
  if (typeof value === 'string') return `a string of ${value.length} characters`
  return typeof value === 'object' || value === undefined ? describeValue(value) : `a ${typeof value}`
}

/** Throws a TypeError for an option name the factory does not know, suggesting the closest known one. */
export function assertKnownOptions(factory: string, options: object, known: ReadonlySet<string>): void {
  // Own names, enumerable or not: a property the check cannot see would still be read, or silently ignored.
  for (const name of Object.getOwnPropertyNames(options)) {
    if (known.has(name)) {
      // null is no option's value: taking it as "the default" would hide a mistake.
      if ((options as Record<string, unknown>)[name] === null)
        throw new TypeError(`${factory}: "${name}" must not be null (leave it out for the default)`)
      continue
    }
    const hint = closest(name, known)
    throw new TypeError(`${factory}: unknown option "${name}"${hint ? `. Did you mean "${hint}"?` : ''}`)
  }
}

/**
 * Whether a value is an object literal's kind: its prototype is null, or some realm's Object.prototype (an object
 * made in a vm context or another frame has its own), which has no prototype and holds `hasOwnProperty` itself.
 */
function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as { constructor?: unknown } | null
  if (prototype === null) return true
  const constructor = Object.hasOwn(prototype, 'constructor') ? prototype.constructor : undefined
  return (
    Object.getPrototypeOf(prototype) === null &&
    typeof constructor === 'function' &&
    constructor.name === 'Object' &&
    Object.keys(prototype).length === 0
  )
}

/** The caller's options as an object, or a TypeError naming the factory. */
export function asOptions<T extends object>(factory: string, options: unknown): Readonly<Partial<T>> {
  if (options === undefined) return {} as Partial<T>
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${factory}: options must be an object, got ${kind(options)}`)
  }
  // A Map, a Date or a class instance holds its settings where the name check cannot see them, and they would be
  // ignored: only a plain object (or one without a prototype) is read.
  if (!isPlainObject(options)) {
    throw new TypeError(`${factory}: options must be a plain object, got ${describeValue(options)}`)
  }
  return options as Partial<T>
}

function closest(name: string, known: ReadonlySet<string>): string | undefined {
  let best: string | undefined
  let bestDistance = 3
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase())
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance]
  }
  return best
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}

/**
 * Text safe to print to a terminal or a log: controls (C0, DEL, C1), format characters (bidi controls, which can
 * make a terminal show `txt.exe` as `exe.txt`; zero-width spaces and joiners, the byte-order mark, soft hyphens,
 * tag characters), line and paragraph separators, lone surrogates, the invisible fillers and variation selectors,
 * and the code points Unicode reserves as default-ignorable (INVISIBLE_CLASS) become `\u{…}` escapes. A canonical
 * path holds no `\`, so an escape in a printed path always stands for one character.
 */
export function printable(text: string): string {
  return text.replace(INVISIBLE, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}}`)
}

// Each of these is matched alone, on purpose: combining ones (U+034F, the variation selectors) included, and lone
// surrogates (Cs), which a terminal shows as nothing or as U+FFFD.
const INVISIBLE = new RegExp(`[${INVISIBLE_CLASS}\\p{Cs}]`, 'gu')
