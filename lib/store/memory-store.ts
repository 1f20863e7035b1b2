// The memory store: revocations and use budgets in this process's memory, correct within one process.
import { asOptions, assertKnownOptions, clockOption } from '../util/option-checks.js'
import type { LinkStore } from './link-store.js'
import { lapsedSweeper } from './lapsed-sweeper.js'
import { folderRevocation, linkRevocation } from './revocation.js'
import { RevocationSet } from './revocation-set.js'
import { settleUse } from './settle-use.js'
import { emptyBudget, renewUse, takeUse, type UseBudget } from './use-budget.js'

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** Clock in milliseconds, like `Date.now`. Default `Date.now`. Inject one in tests. */
  now?: () => number
}

/**
 * A store in this process's memory: revocations and use counts are correct within one process, and lost when it
 * stops. Under Node's cluster, or with several processes or hosts sharing keys, use the Redis store: each process
 * would count a limited-use link's uses on its own, and see only the revocations made through it.
 */
export function createMemoryStore(options: Readonly<MemoryStoreOptions> = {}): LinkStore {
  const opts = asOptions<MemoryStoreOptions>('createMemoryStore', options)
  assertKnownOptions('createMemoryStore', opts, new Set(['now']))
  const now = clockOption('createMemoryStore', opts.now)
  const nowS = () => now() / 1000
  const revocations = new RevocationSet(nowS)
  const budgets = new Map<string, { budget: UseBudget; until: number }>()
  const sweep = lapsedSweeper<{ until: number }>((entry, at) => entry.until <= at)
  // The budget of a link, while it can still be accepted.
  const live = (signature: string) => {
    const entry = budgets.get(signature)
    return entry === undefined || entry.until <= nowS() ? undefined : entry
  }
  // Each answers at once; as promises, so a guard treats every store alike.
  return {
    current: true,
    revoke: (link) => settled(() => revocations.add(linkRevocation(link))),
    revokeFolder: (folder, folderOptions) =>
      settled(() => revocations.add(folderRevocation(folder, folderOptions, nowS()))),
    revoked: (link) => revocations.has(link),
    take: (signature, ask, until) =>
      settled(() => {
        // Lapsed budgets (their links can no longer be accepted) go a few at a time, as budgets are written.
        sweep(budgets, nowS())
        const entry = live(signature) ?? { budget: emptyBudget(), until }
        const answer = takeUse(entry.budget, ask, nowS())
        // Kept as long as the longest any guard asked (guards with other clock tolerances may share the store).
        if (typeof answer === 'number' && ask.amount > 0)
          budgets.set(signature, { budget: entry.budget, until: Math.max(entry.until, until) })
        return answer
      }),
    settle: (signature, ticket, ask, kept, tail) =>
      settled(() => {
        const entry = live(signature)
        if (entry !== undefined) settleUse(entry.budget, ask, ticket, kept, tail)
      }),
    renew: (signature) =>
      settled(() => {
        const entry = live(signature)
        if (entry !== undefined) renewUse(entry.budget, nowS())
      }),
    close: () => Promise.resolve(),
  }
}

// A synchronous step as a promise: its value, or its TypeError as a rejection.
function settled<T>(step: () => T): Promise<T> {
  try {
    return Promise.resolve(step())
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)))
  }
}

let shared: LinkStore | undefined
/** The memory store of every guard given none (created on first need). */
export function defaultStore(): LinkStore {
  shared ??= createMemoryStore()
  return shared
}
