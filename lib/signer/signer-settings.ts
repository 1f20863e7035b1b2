// A signer's options, read once when it is made: the key ring, the clock and lifetimes, the origin of its links.
import { createKeyRing, type KeyMaterial, type KeyRing } from '../crypto/keys.js'
import { readLifetime, type Lifetime } from '../link/link-lifetime.js'
import { asOptions, assertKnownOptions, booleanOption, kind } from '../util/option-checks.js'
import { SIGNER_OPTIONS, type SignerOptions } from './signer-options.js'

/** What a signer's options say, checked: everything signing and verifying read at call time. */
export interface SignerSettings<K> {
  readonly ring: KeyRing<K>
  /** The clock, in milliseconds like Date.now. */
  readonly now: () => number
  /** Seconds a link stays good past its expiry (its `clockTolerance`, checked). */
  readonly tolerance: number
  /** A link's expiry and issue time for sign's or grant's options. */
  readonly timesOf: Lifetime['timesOf']
  /** The origin links are made absolute under (`baseUrl`), or '' for links that are a path and query. */
  readonly origin: string
  /** Whether links carry the time they were issued (`stampIssued`). */
  readonly stampIssued: boolean
}

const ORIGIN = /^https?:\/\/[^/?#@\s]+\/?$/

/** Reads a signer's options; throws a TypeError naming the factory and the option for a bad one. */
export function readSignerSettings<K>(
  factory: string,
  options: unknown,
  toKey: (material: KeyMaterial) => K,
  known = SIGNER_OPTIONS,
): SignerSettings<K> {
  const opts = asOptions<SignerOptions>(factory, options)
  assertKnownOptions(factory, opts, known)
  const ring = createKeyRing(factory, opts, toKey)
  const { now, tolerance, timesOf } = readLifetime(factory, opts)
  const origin = toOrigin(factory, opts.baseUrl)
  const stampIssued = booleanOption(factory, 'stampIssued', opts.stampIssued)
  return { ring, now, tolerance, timesOf, origin, stampIssued }
}

function toOrigin(factory: string, baseUrl: unknown): string {
  if (baseUrl === undefined) return ''
  if (typeof baseUrl !== 'string' || !ORIGIN.test(baseUrl)) {
    throw new TypeError(
      `${factory}: "baseUrl" must be an http(s) origin such as 'https://files.example.com', got ${kind(baseUrl)}`,
    )
  }
  try {
    return new URL(baseUrl).origin
  } catch {
    throw new TypeError(`${factory}: "baseUrl" is not a valid URL, got ${kind(baseUrl)}`)
  }
}
