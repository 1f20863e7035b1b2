// A link's lifetime: the signer's ttl, maxTtl and clock tolerance, checked once, and the expiry each sign call
// asks for (a `ttl` or an `expiresAt`), checked against them.
import { asOptions, describeValue, toSeconds, type Duration } from './option-checks.js'

/** The signer's lifetimes and clock, validated. */
export interface Lifetime {
  /** The clock, in milliseconds. */
  readonly now: () => number
  /** Seconds a link stays good past its expiry. */
  readonly tolerance: number
  /** The Unix expiry for per-link options (`ttl` or `expiresAt`); throws a TypeError naming a bad one. */
  readonly expiryOf: (options: unknown) => number
}

const LOOKS_LIKE_MILLISECONDS = 1e11 // Unix seconds reach 1e11 in the year 5138

/** Validates `ttl`, `maxTtl`, `clockTolerance` and `now` once; throws a TypeError naming the option. */
export function readLifetime(
  factory: string,
  opts: { ttl?: unknown; maxTtl?: unknown; clockTolerance?: unknown; now?: unknown },
): Lifetime {
  const maxTtl = seconds(factory, 'maxTtl', opts.maxTtl ?? '7d', 1)
  const ttl = seconds(factory, 'ttl', opts.ttl ?? Math.min(3600, maxTtl), 1)
  if (ttl > maxTtl) throw new TypeError(`${factory}: "ttl" (${ttl} s) must not exceed "maxTtl" (${maxTtl} s)`)
  const tolerance = seconds(factory, 'clockTolerance', opts.clockTolerance ?? 0, 0)
  const now = opts.now ?? Date.now
  if (typeof now !== 'function')
    throw new TypeError(`${factory}: "now" must be a function returning milliseconds, got ${describeValue(now)}`)
  const clock = now as () => number

  function expiryOf(options: unknown): number {
    const current = Math.floor(clock() / 1000)
    if (options === undefined) return current + ttl
    const o = asOptions<{ ttl: Duration; expiresAt: Date | number }>('sign', options)
    if (o.ttl !== undefined && o.expiresAt !== undefined)
      throw new TypeError('sign: give either "ttl" or "expiresAt", not both')
    if (o.expiresAt === undefined) {
      const lifetime = o.ttl === undefined ? ttl : seconds('sign', 'ttl', o.ttl, 1)
      if (lifetime > maxTtl) throw new TypeError(`sign: "ttl" (${lifetime} s) exceeds "maxTtl" (${maxTtl} s)`)
      return current + lifetime
    }
    const expiry = expiresAtSeconds(o.expiresAt)
    if (expiry <= current) throw new TypeError(`sign: "expiresAt" (${expiry}) is not in the future`)
    if (expiry - current > maxTtl)
      throw new TypeError(`sign: "expiresAt" is ${expiry - current} s away, beyond "maxTtl" (${maxTtl} s)`)
    return expiry
  }

  return { now: clock, tolerance, expiryOf }
}

function seconds(factory: string, name: string, value: unknown, min: number): number {
  const result = toSeconds(value)
  if (result === undefined || result < min) {
    const what = min > 0 ? 'a positive whole number of seconds' : 'a whole number of seconds'
    throw new TypeError(`${factory}: "${name}" must be ${what} or a string such as '10m', got ${describeValue(value)}`)
  }
  return result
}

function expiresAtSeconds(value: unknown): number {
  const expiry = value instanceof Date ? Math.floor(value.getTime() / 1000) : value
  if (typeof expiry !== 'number' || !Number.isSafeInteger(expiry) || expiry <= 0) {
    throw new TypeError(`sign: "expiresAt" must be a Date or whole Unix seconds, got ${describeValue(value)}`)
  }
  if (expiry >= LOOKS_LIKE_MILLISECONDS) {
    throw new TypeError(`sign: "expiresAt" must be Unix time in seconds; ${expiry} looks like milliseconds`)
  }
  return expiry
}
