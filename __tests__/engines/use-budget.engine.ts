// The Redis store's budget scripts against the rules they copy (lib/store/use-budget.ts), on a real Redis: random
// sequences of takes, settles (with claims) and renewals, with the clock moved past leases, give the same answers
// and leave the same state. Also: a count an earlier version wrote (a plain number) is taken over, never lost.
import {
  emptyBudget,
  keptOf,
  renewUse,
  takeUse,
  useCost,
  type UseAnswer,
  type UseAsk,
} from '../../lib/store/use-budget'
import { settleUse } from '../../lib/store/settle-use'
import { budgetFixture } from './budget-fixture'
import { harness } from './store-harness'
import { random } from '../support/random'

const { command } = harness
const PREFIX = 'budget-test:'
const UNTIL = 9_000_000_000

const fixture = budgetFixture(PREFIX)

describe('the Redis budget scripts follow use-budget.ts', () => {
  it.each([1, 2, 3, 4, 5, 6])('step for step, over a random sequence (seed %i)', async (seed) => {
    const next = random(seed)
    const signature = `S${seed}`.padEnd(43, 'x')
    const size = [1000, 3_000_000, 40_000_000][seed % 3]
    const uses = 1 + (seed % 3)
    const budget = emptyBudget()
    const running: { ask: UseAsk; ticket: number }[] = []
    for (let step = 0; step < 150; step++) {
      const roll = next()
      if (roll < 0.05) fixture.clock += 61
      else if (roll < 0.1) {
        renewUse(budget, fixture.clock)
        await fixture.store.renew(signature)
      } else if (roll < 0.5 && running.length > 0) {
        const { ask, ticket } = running.splice(Math.floor(next() * running.length), 1)[0]
        const out = Math.floor(next() * (ask.end - ask.start + 1))
        const tail: [number, number] | undefined = next() < 0.6 ? [ask.start, ask.start + out] : undefined
        settleUse(budget, ask, ticket, keptOf(out, size), tail)
        await fixture.store.settle(signature, ticket, ask, keptOf(out, size), tail)
      } else {
        const start = Math.floor(next() * size)
        const end = next() < 0.5 ? size : start + 1 + Math.floor(next() * (size - start))
        const ask = { ...useCost(size, uses, end - start), start, end, size }
        const expected: UseAnswer = takeUse(budget, ask, fixture.clock)
        expect(await fixture.store.take(signature, ask, UNTIL)).toBe(expected)
        if (typeof expected === 'number') running.push({ ask, ticket: expected })
      }
    }
    expect(await fixture.stored(signature)).toEqual(budget)
  })

  it('takes over a count an earlier version kept as a plain number, as kept', async () => {
    const signature = 'L'.repeat(43)
    const key = `${PREFIX}uses:${signature}`
    await command(fixture.redis.port, 'SET', key, '600000', 'EX', '5000')
    const ask = { ...useCost(1000, 1, 500), start: 0, end: 500, size: 1000 }
    expect(await fixture.store.take(signature, ask, UNTIL)).toBe('spent')
    // Taken over even by a request it refused, with its lifetime.
    expect(await fixture.stored(signature)).toMatchObject({ kept: 600_000, held: 0 })
    expect(await command(fixture.redis.port, 'TTL', key)).toBeGreaterThan(4000)
    expect(await fixture.store.take(signature, { ...ask, ...useCost(1000, 1, 400) }, UNTIL)).toBe(1)
    expect(await fixture.stored(signature)).toMatchObject({ kept: 600_000, held: 400_000 })
  })

  it('takes a negative plain-number count (written by hand) as nothing kept, never as uses given', async () => {
    const signature = 'M'.repeat(43)
    await command(fixture.redis.port, 'SET', `${PREFIX}uses:${signature}`, '-5000000')
    const ask = { ...useCost(1000, 1), start: 0, end: 1000, size: 1000 }
    expect(await fixture.store.take(signature, ask, UNTIL)).toBe(1)
    expect(await fixture.store.take(signature, ask, UNTIL)).toBe('held')
  })

  it('keeps a budget as long as the longest any guard asked', async () => {
    const signature = 'E'.repeat(43)
    const key = `${PREFIX}uses:${signature}`
    const ask = { ...useCost(1000, 3), start: 0, end: 1000, size: 1000 }
    // Redis's own clock: expiries are Unix times it compares with its own.
    const redisNow = Number(((await command(fixture.redis.port, 'TIME')) as string[])[0])
    expect(await fixture.store.take(signature, ask, redisNow + 10_000)).toBe(1)
    expect(await fixture.store.take(signature, ask, redisNow + 5000)).toBe(2)
    expect(await command(fixture.redis.port, 'TTL', key)).toBeGreaterThan(9000)
  })

  it('creates nothing when settling or renewing a budget that lapsed', async () => {
    const signature = 'N'.repeat(43)
    await fixture.store.settle(signature, 1, { amount: 10, resend: 0, size: 10, start: 0, end: 10 }, 5, [0, 5])
    await fixture.store.renew(signature)
    expect(await command(fixture.redis.port, 'EXISTS', `${PREFIX}uses:${signature}`)).toBe(0)
  })
})
