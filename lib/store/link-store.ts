// The contract of a store: what the guards ask of one (revocations from a local copy, use budgets atomically across
// every process sharing it), how long its state lives, and the check of a guard's `store` option.
import { describeValue, type Duration } from '../util/option-checks.js'
import type { UseAnswer, UseAsk, UseSettled } from './use-budget.js'

/** A verified link as a store reads it: the path requested, its expiry, when it was made (if stamped), its signature. */
export interface StoredLink {
  /** The path requested, decoded, without its leading `/`. */ readonly path: string
  /** Unix seconds. */ readonly expiresAt: number
  /** When it was made (Unix seconds), if its signer stamped it. */ readonly issued?: number
  /** The signature it carries: what revocations and use counts go by. */ readonly signature: string
}

/** Options of `revokeFolder`: which links under the folder to take back (one of the two; default: made until now). */
export interface RevokeFolderOptions {
  /**
   * Links and grants made at or before this time (a Date, or Unix seconds; default now). A link says when it was
   * made only if its signer has `stampIssued`; one that does not say, and every grant, is taken back until the
   * revocation lapses at this time plus `maxTtl`, since it may be older.
   */
  issuedBefore?: Date | number
  /** Links and grants that expire before this time (a Date, or Unix seconds). */
  expiringBefore?: Date | number
  /** The longest lifetime the signers grant (their `maxTtl`): how long an `issuedBefore` revocation lasts. Default `'7d'`. */
  maxTtl?: Duration
}

/**
 * Where revocations and use counts live. The guards read revocations from `revoked` (a local copy: no round trip
 * per request) and count uses through `take`, `settle` and `renew`, which are atomic across every process sharing
 * it (the budget's rules: use-budget.ts).
 */
export interface LinkStore {
  /** Takes back one link or grant cookie value, whatever spelling it is requested in (it goes by the signature). */
  revoke(link: string): Promise<void>
  /** Takes back every link and grant under a folder (`'/'` for all) made, or expiring, before a time. */
  revokeFolder(folder: string, options?: RevokeFolderOptions): Promise<void>
  /** Whether a verified link is revoked, from this process's copy. */
  revoked(link: StoredLink): boolean
  /** False while this process's copy may have missed revocations (cut off from the shared store). */
  readonly current: boolean
  /**
   * Holds what a response of a limited-use link may send (its budget kept until `until`, Unix seconds): a ticket
   * (a number) to settle with, 'held' (it would fit once running responses end) or 'spent'. Rejects when the store
   * cannot answer: nothing was served on its word.
   */
  take(signature: string, ask: Readonly<UseAsk>, until: number): Promise<UseAnswer>
  /**
   * Ends the response of `ticket`: it held `ask.amount` and keeps `kept`; `tail` is a byte range it may not have
   * delivered.
   */
  settle(
    signature: string,
    ticket: number,
    ask: Readonly<UseSettled>,
    kept: number,
    tail?: readonly [number, number],
  ): Promise<void>
  /** Says again, for a response still running, that what it holds is held (see LEASE_SECONDS). */
  renew(signature: string): Promise<void>
  /** Stops its timers and connections. */
  close(): Promise<void>
}

// State outlives the last second a guard may accept its link (expiry + the guard's clockTolerance) by this much:
// the store's clock (Redis's, which lapses counts with EXPIREAT) may run ahead of the guards'.
export const STATE_SLACK_SECONDS = 3600
// Revocations are kept this long past the links they cover. Whoever revokes (the CLI, another process) does not
// know the guards' clockTolerance, so this covers the most any may have, MAX_CLOCK_TOLERANCE in link-lifetime.ts
// (6 h; a test keeps the two in step), plus the slack: 25200 s.
export const SLACK_SECONDS = 6 * 3600 + STATE_SLACK_SECONDS

const STORE_METHODS = ['revoke', 'revokeFolder', 'revoked', 'take', 'settle', 'renew', 'close'] as const

/** A guard's `store` option, checked: undefined, or an object with every method of a LinkStore. */
export function storeOf(factory: string, store: unknown): LinkStore | undefined {
  if (store === undefined) return undefined
  const methods = store as Record<string, unknown> | null
  if (typeof store !== 'object' || methods === null || STORE_METHODS.some((m) => typeof methods[m] !== 'function'))
    throw new TypeError(
      `${factory}: "store" must come from createMemoryStore() or createRedisStore(), got ${describeValue(store)}`,
    )
  return store as LinkStore
}
