// Settling one response of a limited-use link: what it keeps of what it held, the claim a cut-off response leaves,
// the credit for what other requests asked for again, and credited claims given back when they were not sent.
import { settleUse } from '../../lib/store/settle-use'
import { emptyBudget, takeUse, USE, useCost, type UseBudget } from '../../lib/store/use-budget'

const NOW = 1_800_000_000
const SIZE = 1000
// A request for bytes [start, end) of a two-use link to a file of SIZE bytes.
const ask = (start: number, end: number) => ({ ...useCost(SIZE, 2, end - start), start, end, size: SIZE })
const taken = (budget: UseBudget, start: number, end: number) => {
  const ticket = takeUse(budget, ask(start, end), NOW)
  if (typeof ticket !== 'number') throw new Error(`not taken: ${ticket}`)
  return ticket
}

describe('settleUse()', () => {
  it('keeps what the response sent, and frees what it held', () => {
    const budget = emptyBudget()
    const ticket = taken(budget, 0, SIZE)
    expect(budget.held).toBe(USE)
    settleUse(budget, ask(0, SIZE), ticket, USE / 2)
    expect([budget.held, budget.kept, budget.claims]).toEqual([0, USE / 2, []])
  })

  it('gives back, from kept, what a response whose lease lapsed held and did not send', () => {
    const budget: UseBudget = { ...emptyBudget(), kept: USE, seq: 1, size: SIZE }
    settleUse(budget, ask(0, SIZE), 1, USE / 4)
    expect([budget.held, budget.kept]).toEqual([0, USE / 4])
  })

  it('leaves the tail of a cut-off response as a claim', () => {
    const budget = emptyBudget()
    const ticket = taken(budget, 0, SIZE)
    settleUse(budget, ask(0, SIZE), ticket, USE, [600, SIZE])
    expect([budget.kept, budget.credited, budget.claims]).toEqual([USE, 0, [600, SIZE]])
  })

  it('credits at once the part of its tail that a later request already asked for again', () => {
    const budget = emptyBudget()
    const first = taken(budget, 0, SIZE)
    taken(budget, 500, SIZE)
    settleUse(budget, ask(0, SIZE), first, USE, [600, SIZE])
    // 400 bytes of 1000 asked for again: 0.4 of a use credited, and no claim left of them.
    expect([budget.kept, budget.credited, budget.claims]).toEqual([USE - 400_000, 400_000, []])
  })

  it('gives back the credit for claimed bytes the response never sent, and the claim with it', () => {
    const budget: UseBudget = { ...emptyBudget(), kept: USE, claims: [0, SIZE], size: SIZE }
    const ticket = taken(budget, 0, SIZE)
    expect([budget.kept, budget.credited, budget.claims]).toEqual([0, USE, []])
    settleUse(budget, ask(0, SIZE), ticket, 0)
    expect([budget.kept, budget.credited, budget.claims, budget.pending]).toEqual([USE, 0, [0, SIZE], []])
  })

  it('records a claim alone (nothing held, nothing kept) for a response reset after it finished', () => {
    const budget = emptyBudget()
    const ticket = taken(budget, 0, SIZE)
    settleUse(budget, ask(0, SIZE), ticket, USE)
    settleUse(budget, { ...ask(0, SIZE), amount: 0 }, ticket, 0, [900, SIZE])
    expect([budget.kept, budget.claims]).toEqual([USE, [900, SIZE]])
  })
})
