// The rules of a limited-use link's budget (lib/store/use-budget.ts), which the memory store, the Redis store's scripts
// and the Worker's Durable Object all follow: charged for what was sent, claims for what a cut-off response may
// have lost, and a bound on what any sequence of requests can get.
import {
  emptyBudget,
  keptOf,
  LEASE_SECONDS,
  MAX_CLAIMS,
  renewUse,
  RESEND_BYTES,
  takeUse,
  USE,
  useCost,
  type UseAsk,
} from '../../lib/store/use-budget'
import { settleUse } from '../../lib/store/settle-use'
import { random } from '../support/random'

const SIZE = 20_000_000
const NOW = 1_767_225_600
// A request for bytes [start, end) of the file, on a link of `uses`.
const ask = (start: number, end: number, uses = 1, size = SIZE): UseAsk => ({
  ...useCost(size, uses, start === 0 && end === size ? undefined : end - start),
  start,
  end,
  size,
})

// What settling needs of a request for bytes [start, end).
const of = (start: number, end: number, uses = 1, size = SIZE) => ask(start, end, uses, size)

describe('useCost', () => {
  it('asks a whole use for the whole file, its share rounded up for a range, a use for an empty file', () => {
    expect(useCost(SIZE, 2)).toEqual({ amount: USE, limit: 2 * (USE + 1000), resend: 4 * USE })
    expect(useCost(3, 1, 1).amount).toBe(333_334)
    expect(useCost(0, 1)).toEqual({ amount: USE, limit: USE + 1000, resend: 0 })
  })

  it('allows re-sending at most min(2 x size, 64 MiB) per use', () => {
    expect(useCost(1000, 3).resend).toBe(6 * USE)
    expect(useCost(4 * RESEND_BYTES, 1).resend).toBe(USE / 4)
  })
})

describe('takeUse and settleUse', () => {
  it('holds a response while it runs and keeps only what it sent', () => {
    const budget = emptyBudget()
    const ticket = takeUse(budget, ask(0, SIZE), NOW)
    expect(ticket).toBe(1)
    expect(budget).toMatchObject({ kept: 0, held: USE })
    settleUse(budget, of(0, SIZE), 1, keptOf(SIZE / 4, SIZE))
    expect(budget).toMatchObject({ kept: USE / 4, held: 0 })
    // Three quarters are left: the rest of the file, not the whole of it.
    expect(takeUse(budget, ask(0, SIZE), NOW)).toBe('spent')
    expect(takeUse(budget, ask(SIZE / 4, SIZE), NOW)).toBe(2)
  })

  it("answers 'held' when only running responses stand in the way, 'spent' when they could not, changing nothing", () => {
    const budget = emptyBudget()
    expect(takeUse(budget, ask(0, SIZE), NOW)).toBe(1)
    const before = structuredClone(budget)
    expect(takeUse(budget, ask(0, SIZE / 2), NOW)).toBe('held')
    expect(budget).toEqual(before)
    settleUse(budget, of(0, SIZE), 1, USE)
    expect(takeUse(budget, ask(0, SIZE / 2), NOW)).toBe('spent')
  })

  it('lets a HEAD through, holding nothing (ticket 0), until what was kept spends the link', () => {
    const budget = emptyBudget()
    const head = { ...ask(0, SIZE), amount: 0, limit: USE }
    expect(takeUse(budget, head, NOW)).toBe(0)
    expect(budget).toEqual(emptyBudget())
    takeUse(budget, ask(0, SIZE), NOW)
    expect(takeUse(budget, head, NOW)).toBe(0)
    settleUse(budget, of(0, SIZE), 1, USE)
    expect(takeUse(budget, head, NOW)).toBe('spent')
  })

  it('credits the bytes a cut-off response may have lost when they are asked for again, once', () => {
    const budget = emptyBudget()
    takeUse(budget, ask(0, SIZE), NOW)
    // Cut off after 12 MB went to the socket; the client kept 8 MB (4 MB sat in buffers).
    settleUse(budget, of(0, SIZE), 1, keptOf(12e6, SIZE), [0, 12e6])
    expect(takeUse(budget, ask(8e6, SIZE), NOW)).toBe(2)
    expect(budget.credited).toBe(keptOf(4e6, SIZE))
    expect(budget.claims).toEqual([0, 8e6])
    settleUse(budget, of(8e6, SIZE), 2, keptOf(12e6, SIZE))
    // The whole file went out once, in the client's eyes: nothing more.
    expect(budget.kept).toBe(USE)
    expect(takeUse(budget, ask(8e6, SIZE), NOW)).toBe('spent')
  })

  it('gives a claim back, with its credit, when the request credited for it is cut off before sending it', () => {
    const budget = emptyBudget()
    takeUse(budget, ask(0, SIZE), NOW)
    settleUse(budget, of(0, SIZE), 1, keptOf(8e6, SIZE), [0, 8e6])
    // A player asks from 1 MB again, is credited for 7 MB, and cuts this one off before it sent anything.
    expect(takeUse(budget, ask(1e6, SIZE), NOW)).toBe(2)
    expect(budget.credited).toBe(Math.floor((7e6 / SIZE) * USE))
    settleUse(budget, of(1e6, SIZE), 2, 0, [1e6, 1e6])
    expect(budget).toMatchObject({ kept: keptOf(8e6, SIZE), credited: 0, pending: [] })
    expect(budget.claims).toEqual([0, 1e6, 1e6, 8e6])
    // Asked once more, sending 3 MB of it: credited for those, the other 4 MB claimed again.
    expect(takeUse(budget, ask(1e6, SIZE), NOW)).toBe(3)
    settleUse(budget, of(1e6, SIZE), 3, keptOf(3e6, SIZE), [1e6, 4e6])
    expect(budget.claims).toContain(4e6)
    expect(budget.kept).toBeLessThanOrEqual(keptOf(8e6, SIZE) + 2)
    // And the file in full is still within the one use.
    expect(typeof takeUse(budget, ask(4e6, SIZE), NOW)).toBe('number')
  })

  it('credits a cut-off response for what requests taken while it ran asked for (parallel segments), once', () => {
    const budget = emptyBudget()
    // A download manager: the whole file first, then the second half beside it, on a 2-use link.
    expect(takeUse(budget, ask(0, SIZE, 2), NOW)).toBe(1)
    expect(takeUse(budget, ask(SIZE / 2, SIZE, 2), NOW)).toBe(2)
    // The first is cut off once it has its half, with 4 MB more in the buffers, which the second also sends.
    settleUse(budget, of(0, SIZE, 2), 1, keptOf(SIZE / 2 + 4e6, SIZE), [0, SIZE / 2 + 4e6])
    expect(budget.credited).toBe(keptOf(4e6, SIZE))
    expect(budget.claims).toEqual([0, SIZE / 2])
    settleUse(budget, of(SIZE / 2, SIZE, 2), 2, keptOf(SIZE / 2, SIZE))
    expect(budget.kept).toBe(USE)
    // One use left: a second whole download fits.
    expect(takeUse(budget, ask(SIZE / 2, SIZE, 2), NOW)).toBe(3)
  })

  it('credits no request that does not ask for claimed bytes again, nor one taken before the cut-off response', () => {
    const budget = emptyBudget()
    takeUse(budget, ask(0, SIZE / 2, 2), NOW)
    takeUse(budget, ask(0, SIZE, 2), NOW)
    // The first (ticket 1) asked before the second (ticket 2) was cut off: no credit for it.
    settleUse(budget, of(0, SIZE, 2), 2, keptOf(12e6, SIZE), [0, 12e6])
    expect(budget.credited).toBe(0)
    expect(takeUse(budget, ask(12e6, SIZE, 2), NOW)).toBe(3)
    expect(budget.credited).toBe(0)
  })

  it('credits no more than the resend allowance, whatever is claimed', () => {
    const budget = emptyBudget()
    const big = 64 * RESEND_BYTES
    takeUse(budget, ask(0, big, 1, big), NOW)
    settleUse(budget, of(0, big, 1, big), 1, keptOf(big / 2, big), [0, big / 2])
    expect(takeUse(budget, ask(0, big / 2, 1, big), NOW)).toBe(2)
    expect(budget.credited).toBe(useCost(big, 1).resend)
  })

  it('forgets claims when the file changed size: a link spent on a big file stays spent when it shrinks', () => {
    const budget = emptyBudget()
    takeUse(budget, ask(0, SIZE), NOW)
    settleUse(budget, of(0, SIZE), 1, keptOf(SIZE / 32, SIZE), [0, SIZE / 32])
    takeUse(budget, ask(SIZE / 32, SIZE), NOW)
    settleUse(budget, of(SIZE / 32, SIZE), 2, keptOf(SIZE - SIZE / 32, SIZE))
    // The file is now as small as the claim: the claim would pay for all of it at its new size.
    const small = SIZE / 32
    expect(takeUse(budget, ask(0, small, 1, small), NOW)).toBe('spent')
  })

  it('keeps the newest claims only', () => {
    const budget = emptyBudget()
    for (let i = 0; i < MAX_CLAIMS + 3; i++)
      settleUse(budget, { amount: 0, resend: 0, size: 0, start: 0, end: 0 }, 0, 0, [i * 10, i * 10 + 5])
    expect(budget.claims).toHaveLength(2 * MAX_CLAIMS)
    expect(budget.claims[0]).toBe(30)
  })

  it('takes holds nobody vouched for within a lease as kept (a process that stopped mid-response)', () => {
    const budget = emptyBudget()
    takeUse(budget, ask(0, SIZE / 2), NOW)
    renewUse(budget, NOW + LEASE_SECONDS)
    expect(takeUse(budget, ask(0, SIZE), NOW + 2 * LEASE_SECONDS)).toBe('held')
    expect(takeUse(budget, ask(0, SIZE), NOW + 2 * LEASE_SECONDS + 1)).toBe('spent')
    expect(takeUse(budget, ask(0, SIZE / 4), NOW + 2 * LEASE_SECONDS + 1)).toBe(2)
    expect(budget).toMatchObject({ kept: USE / 2, held: USE / 4 })
    // The response that was only slow settles later, and the other one: what each sent is counted once.
    settleUse(budget, of(0, SIZE / 2), 1, USE / 4)
    settleUse(budget, of(0, SIZE / 4), 2, USE / 8)
    expect(budget).toMatchObject({ kept: USE / 4 + USE / 8, held: 0 })
  })
})

describe('the bound, over any sequence of requests', () => {
  // Clients that ask ranges at random, cut responses off, claim what they like, overlap, and leave holds running.
  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'never sends more than N x size x 1.001 + the resend allowance (seed %i)',
    (seed) => {
      const next = random(seed)
      for (const size of [1, 1000, 3_000_000, 40_000_000]) {
        const uses = 1 + Math.floor(next() * 3)
        const budget = emptyBudget()
        let sent = 0
        const running: { ask: UseAsk; ticket: number; start: number; length: number }[] = []
        for (let step = 0; step < 400; step++) {
          if (running.length > 0 && next() < 0.5) {
            const r = running.splice(Math.floor(next() * running.length), 1)[0]
            // Sends some or all of its range; a cut-off one (or a liar) claims any part of what it sent.
            const out = next() < 0.5 ? r.length : Math.floor(next() * r.length)
            sent += out
            const claim: [number, number] | undefined =
              next() < 0.7 ? [r.start + Math.floor(next() * out), r.start + out] : undefined
            settleUse(budget, r.ask, r.ticket, keptOf(out, size), claim)
            continue
          }
          const start = Math.floor(next() * size)
          const end = next() < 0.5 ? size : start + 1 + Math.floor(next() * (size - start))
          const a = ask(start, end, uses, size)
          const ticket = takeUse(budget, a, NOW)
          if (typeof ticket === 'number') running.push({ ask: a, ticket, start, length: end - start })
        }
        for (const r of running) {
          sent += r.length
          settleUse(budget, r.ask, r.ticket, keptOf(r.length, size))
        }
        const { limit, resend } = useCost(size, uses)
        expect(sent).toBeLessThanOrEqual(((limit + resend) / USE) * size)
        expect(budget.kept).toBeLessThanOrEqual(limit)
      }
    },
  )
})
