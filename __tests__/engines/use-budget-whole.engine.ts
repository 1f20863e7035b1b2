// The short ways of the Redis budget scripts (lib/store/redis-budget-fast.ts), on a real Redis: requests that count
// whole uses (size 0, as requireSignature asks them), mixed with byte-range requests on the same links, give the
// answers and leave the state the rules say (lib/store/use-budget.ts, settle-use.ts); they take the short way where
// they can, and the full script everywhere else (a plain-number count, a budget with byte ranges).
import { emptyBudget, renewUse, takeUse, useCost, type UseAnswer, type UseAsk } from '../../lib/store/use-budget'
import { settleUse } from '../../lib/store/settle-use'
import { budgetFixture } from './budget-fixture'
import { harness } from './store-harness'
import { random } from '../support/random'

const { command } = harness
const PREFIX = 'whole-test:'
const UNTIL = 9_000_000_000

const fixture = budgetFixture(PREFIX)

// How many times Redis ran a command (inside scripts too), from INFO commandstats.
async function calls(name: string): Promise<number> {
  const stats = String(await command(fixture.redis.port, 'INFO', 'commandstats'))
  return Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0)
}

describe('whole uses on the Redis budget scripts follow use-budget.ts', () => {
  // Odd seeds: requireSignature's asks (a request is one use); even seeds: an empty file's (a use is a million),
  // with requests for byte ranges of the file, as it was before and after, now and then.
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('step for step (seed %i)', async (seed) => {
    const next = random(seed)
    const signature = `W${seed}`.padEnd(43, 'x')
    const uses = 1 + (seed % 4)
    const size = 1000
    const ranges = seed % 2 === 0
    const whole = (amount: number): UseAsk =>
      ranges
        ? { ...useCost(0, uses), amount: amount * useCost(0, uses).amount, start: 0, end: 0, size: 0 }
        : { amount, limit: uses, resend: 0, start: 0, end: 0, size: 0 }
    const budget = emptyBudget()
    const running: { ask: UseAsk; ticket: number }[] = []
    for (let step = 0; step < 200; step++) {
      const roll = next()
      if (roll < 0.06) fixture.clock += 61
      // Another process's clock, a little behind.
      else if (roll < 0.08) fixture.clock -= 20
      else if (roll < 0.1) {
        renewUse(budget, fixture.clock)
        await fixture.store.renew(signature)
      } else if (roll < 0.14 && running.length > 0) {
        // A response whose process stopped: never settled, its hold lapses after a lease.
        running.splice(Math.floor(next() * running.length), 1)
      } else if (roll < 0.45 && running.length > 0) {
        const { ask, ticket } = running.splice(Math.floor(next() * running.length), 1)[0]
        // A whole use keeps all it held (a 2xx) or nothing; a byte range part of it, maybe with a claim.
        const kept = ask.size === 0 ? (next() < 0.7 ? ask.amount : 0) : Math.floor(next() * ask.amount)
        const tail: [number, number] | undefined = ask.size > 0 && next() < 0.5 ? [ask.start, ask.end] : undefined
        settleUse(budget, ask, ticket, kept, tail)
        await fixture.store.settle(signature, ticket, ask, kept, tail)
      } else {
        const ranged = ranges && next() < 0.15
        const start = ranged ? Math.floor(next() * size) : 0
        const ask: UseAsk = ranged
          ? { ...useCost(size, uses, size - start), start, end: size, size }
          : whole(next() < 0.1 ? 0 : 1)
        const expected: UseAnswer = takeUse(budget, ask, fixture.clock)
        expect(await fixture.store.take(signature, ask, UNTIL)).toBe(expected)
        if (typeof expected === 'number' && ask.amount > 0) running.push({ ask, ticket: expected })
      }
    }
    expect(await fixture.stored(signature)).toEqual(budget)
  })

  it('takes the short way for a whole use: no TYPE, no nine-field read', async () => {
    const signature = 'F'.repeat(43)
    const ask: UseAsk = { amount: 1, limit: 2, resend: 0, start: 0, end: 0, size: 0 }
    const types = await calls('type')
    expect(await fixture.store.take(signature, ask, UNTIL)).toBe(1)
    await fixture.store.settle(signature, 1, ask, 1)
    expect(await fixture.store.take(signature, ask, UNTIL)).toBe(2)
    expect(await fixture.store.take(signature, ask, UNTIL)).toBe('held')
    // The full scripts read the key's TYPE first (a plain number is taken over); the short ways never do.
    expect(await calls('type')).toBe(types)
    const budget = emptyBudget()
    takeUse(budget, ask, fixture.clock)
    settleUse(budget, ask, 1, 1)
    takeUse(budget, ask, fixture.clock)
    expect(await fixture.stored(signature)).toEqual(budget)
  })

  it('keeps the latest lease any process asked, whatever its fixture.clock says', async () => {
    const signature = 'C'.repeat(43)
    const ask: UseAsk = { amount: 1, limit: 3, resend: 0, start: 0, end: 0, size: 0 }
    expect(await fixture.store.take(signature, ask, UNTIL)).toBe(1)
    fixture.clock -= 30
    expect(await fixture.store.take(signature, ask, UNTIL)).toBe(2)
    fixture.clock += 30
    expect(await fixture.stored(signature)).toMatchObject({ held: 2, heldUntil: fixture.clock + 60 })
  })

  it('takes over a plain-number count (an earlier version’s) through the full script', async () => {
    const signature = 'P'.repeat(43)
    const key = `${PREFIX}uses:${signature}`
    await command(fixture.redis.port, 'SET', key, '2', 'EX', '5000')
    const ask: UseAsk = { amount: 1, limit: 3, resend: 0, start: 0, end: 0, size: 0 }
    expect(await fixture.store.take(signature, ask, UNTIL)).toBe(1)
    expect(await fixture.stored(signature)).toMatchObject({ kept: 2, held: 1, seq: 1 })
    expect(await command(fixture.redis.port, 'TTL', key)).toBeGreaterThan(4000)
    await fixture.store.settle(signature, 1, ask, 1)
    expect(await fixture.store.take(signature, ask, UNTIL)).toBe('spent')
    await command(fixture.redis.port, 'SET', key, '1')
    await fixture.store.settle(signature, 1, ask, 1)
    // Taken over as 1 kept, the lapsed hold in it: what was sent stays kept, no more.
    expect(await fixture.stored(signature)).toMatchObject({ kept: 1, held: 0 })
  })

  it('keeps a budget as long as the longest any guard asked, and writes it whole when new', async () => {
    const signature = 'T'.repeat(43)
    const key = `${PREFIX}uses:${signature}`
    const ask: UseAsk = { amount: 1, limit: 5, resend: 0, start: 0, end: 0, size: 0 }
    const redisNow = Number(((await command(fixture.redis.port, 'TIME')) as string[])[0])
    expect(await fixture.store.take(signature, ask, redisNow + 5000)).toBe(1)
    expect(await command(fixture.redis.port, 'TTL', key)).toBeGreaterThan(4000)
    expect(await fixture.store.take(signature, ask, redisNow + 10_000)).toBe(2)
    expect(await command(fixture.redis.port, 'TTL', key)).toBeGreaterThan(9000)
    expect(await fixture.store.take(signature, ask, redisNow + 5000)).toBe(3)
    expect(await command(fixture.redis.port, 'TTL', key)).toBeGreaterThan(9000)
    expect(await command(fixture.redis.port, 'HLEN', key)).toBe(9)
    // One that lost its lifetime (by hand) gets it again.
    await command(fixture.redis.port, 'PERSIST', key)
    expect(await fixture.store.take(signature, ask, redisNow + 5000)).toBe(4)
    expect(await command(fixture.redis.port, 'TTL', key)).toBeGreaterThan(4000)
  })

  it('creates nothing when settling a whole use of a budget that lapsed', async () => {
    const signature = 'Z'.repeat(43)
    await fixture.store.settle(signature, 1, { amount: 1, resend: 0, size: 0, start: 0, end: 0 }, 1)
    expect(await command(fixture.redis.port, 'EXISTS', `${PREFIX}uses:${signature}`)).toBe(0)
  })
})
