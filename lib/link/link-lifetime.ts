// A link's lifetime: the signer's ttl, maxTtl and clock tolerance, checked once, and the expiry each sign call
// asks for (a `ttl` or an `expiresAt`), checked against them.
import { asOptions, clockOption, describeValue, toSeconds, type Duration } from '../util/option-checks.js'

/** The signer's lifetimes and clock, validated. */
export interface Lifetime {
  /** The clock, in milliseconds. */
  readonly now: () => number
  /** Seconds a link stays good past its expiry, at most {@link MAX_CLOCK_TOLERANCE}. */
  readonly tolerance: number
  /**
   * The Unix expiry, and the time the link counts as made, for per-link options (`ttl` or `expiresAt`, and
   * `stableFor`); throws a TypeError naming a bad one, with `caller` (sign or grant) in the message.
   */
  readonly timesOf: (options: unknown, caller?: string) => LinkTimes
}

/** When a link expires and when it counts as made, in Unix seconds. */
export interface LinkTimes {
  readonly expiry: number
  /**
   * Now; with a `stableFor` window, the start of the window its expiry was rounded in, so that every link of one
   * window is identical (stamped `issued`, too). Never later than now, and less than one window earlier.
   */
  readonly issued: number
}

/**
 * The longest `clockTolerance` a signer or guard takes (6 hours, in seconds). Revocations are made without knowing
 * the guards' tolerance, so the stores keep them this long (and an hour more) past their links' expiry.
 */
export const MAX_CLOCK_TOLERANCE = 6 * 3600

const LOOKS_LIKE_MILLISECONDS = 1e11 // Unix seconds reach 1e11 in the year 5138

/** Validates `ttl`, `maxTtl`, `clockTolerance`, `stableFor` and `now` once; throws a TypeError naming the option. */
export function readLifetime(
  factory: string,
  opts: { ttl?: unknown; maxTtl?: unknown; clockTolerance?: unknown; stableFor?: unknown; now?: unknown },
): Lifetime {
  const maxTtl = seconds(factory, 'maxTtl', opts.maxTtl ?? '7d', 1)
  const ttl = seconds(factory, 'ttl', opts.ttl ?? Math.min(3600, maxTtl), 1)
  if (ttl > maxTtl) throw new TypeError(`${factory}: "ttl" (${ttl} s) must not exceed "maxTtl" (${maxTtl} s)`)
  const tolerance = clockToleranceOf(factory, opts.clockTolerance)
  const stableFor = windowOf(factory, opts.stableFor ?? 0, ttl, maxTtl)
  const clock = clockOption(factory, opts.now)

  function timesOf(options: unknown, caller = 'sign'): LinkTimes {
    const current = Math.floor(clock() / 1000)
    // The defaults were checked together at construction: only the bound on the expiry is left to check.
    if (options === undefined) return stable(caller, current, ttl, stableFor)
    const o = asOptions<{ ttl: Duration; expiresAt: Date | number; stableFor: Duration }>(caller, options)
    if (o.ttl !== undefined && o.expiresAt !== undefined)
      throw new TypeError(`${caller}: give either "ttl" or "expiresAt", not both`)
    if (o.expiresAt === undefined) {
      const lifetime = o.ttl === undefined ? ttl : seconds(caller, 'ttl', o.ttl, 1)
      if (lifetime > maxTtl) throw new TypeError(`${caller}: "ttl" (${lifetime} s) exceeds "maxTtl" (${maxTtl} s)`)
      const window = windowOf(caller, o.stableFor === undefined ? stableFor : o.stableFor, lifetime, maxTtl)
      return stable(caller, current, lifetime, window)
    }
    // An absolute expiry is stable already; a window beside it would be ignored, so it is refused.
    if (o.stableFor !== undefined)
      throw new TypeError(`${caller}: "stableFor" rounds a "ttl"; with "expiresAt" the link is already stable`)
    const expiry = unixSeconds(caller, 'expiresAt', o.expiresAt)
    if (expiry <= current) throw new TypeError(`${caller}: "expiresAt" (${expiry}) is not in the future`)
    if (expiry - current > maxTtl)
      throw new TypeError(`${caller}: "expiresAt" is ${expiry - current} s away, beyond "maxTtl" (${maxTtl} s)`)
    return { expiry, issued: current }
  }

  return { now: clock, tolerance, timesOf }
}

/**
 * A `clockTolerance` (default 0) in seconds, checked: whole, and at most {@link MAX_CLOCK_TOLERANCE}, since
 * revocations and use counts are kept only that long past expiry; throws a TypeError naming the option.
 */
function clockToleranceOf(factory: string, value: unknown): number {
  const tolerance = seconds(factory, 'clockTolerance', value ?? 0, 0)
  if (tolerance > MAX_CLOCK_TOLERANCE) {
    throw new TypeError(
      `${factory}: "clockTolerance" must be at most ${MAX_CLOCK_TOLERANCE} s ('6h'), got ${describeValue(value)}: revocations and use counts are kept only that long past a link's expiry`,
    )
  }
  return tolerance
}

function seconds(factory: string, name: string, value: unknown, min: number): number {
  const result = toSeconds(value)
  if (result === undefined || result < min) {
    const what = min > 0 ? 'a positive whole number of seconds' : 'a whole number of seconds'
    throw new TypeError(`${factory}: "${name}" must be ${what} or a string such as '10m', got ${describeValue(value)}`)
  }
  return result
}

// Eleven digits at most, as a link's expiry is read back: a longer one would make a link nothing accepts.
function bounded(caller: string, expiry: number, lifetime: number): number {
  if (expiry < LOOKS_LIKE_MILLISECONDS) return expiry
  throw new TypeError(`${caller}: "ttl" (${lifetime} s) reaches past the year 5138; links cannot expire that late`)
}

/**
 * The times of a link made at `current` that lives `lifetime` seconds; with a `window` (not 0), its expiry is the
 * first whole multiple of it (in Unix time) after `current + lifetime`. Every `current` in one window
 * (`current + lifetime` from a multiple up to the next) gets the same expiry, between `lifetime + 1` and
 * `lifetime + window` seconds away, and the same `issued`: the window's first second, `expiry - window - lifetime`.
 */
function stable(caller: string, current: number, lifetime: number, window: number): LinkTimes {
  if (window === 0) return { expiry: bounded(caller, current + lifetime, lifetime), issued: current }
  const expiry = bounded(caller, (Math.floor((current + lifetime) / window) + 1) * window, lifetime)
  // Not the real time: that would make each second's links differ. At most the real time, so a revocation of the
  // links made before T (issuedBefore) still takes back every one of them, and maybe some of the next window.
  return { expiry, issued: expiry - window - lifetime }
}

// A stableFor window: whole seconds (0 for none) that, added to the lifetime, stay within maxTtl.
function windowOf(caller: string, value: unknown, lifetime: number, maxTtl: number): number {
  const window = seconds(caller, 'stableFor', value, 0)
  if (window > maxTtl) throw new TypeError(`${caller}: "stableFor" (${window} s) is longer than "maxTtl" (${maxTtl} s)`)
  if (lifetime + window > maxTtl) {
    throw new TypeError(
      `${caller}: "stableFor" (${window} s) on a ${lifetime} s lifetime could make a link live beyond "maxTtl" (${maxTtl} s); shorten "ttl" or the window`,
    )
  }
  return window
}

/** Unix seconds from a Date (rounded down, or up with `up`) or a number; throws a TypeError naming the option. */
export function unixSeconds(caller: string, name: string, value: unknown, up = false): number {
  const ms = value instanceof Date ? value.getTime() : NaN
  const seconds = value instanceof Date ? (up ? Math.ceil(ms / 1000) : Math.floor(ms / 1000)) : value
  if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new TypeError(`${caller}: "${name}" must be a Date or whole Unix seconds, got ${describeValue(value)}`)
  }
  if (seconds >= LOOKS_LIKE_MILLISECONDS) {
    throw new TypeError(`${caller}: "${name}" must be Unix time in seconds; ${seconds} looks like milliseconds`)
  }
  return seconds
}

/** Unix seconds from `^[1-9][0-9]{0,10}$`, or -1. */
export function toExpiry(text: string): number {
  const length = text.length
  if (length === 0 || length > 11 || text.charCodeAt(0) === 0x30 /* 0 */) return -1
  let value = 0
  for (let i = 0; i < length; i++) {
    const d = text.charCodeAt(i) - 0x30 /* 0 */
    if (d < 0 || d > 9) return -1
    value = value * 10 + d
  }
  return value
}
