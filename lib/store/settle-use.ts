// Settling a response of a limited-use link (use-budget.ts has the budget's rules): what it kept, the claims it
// leaves when it was cut off, and the credit for what later requests asked for again. Runtime-neutral.
import { overlapOf, subtract } from './claim-ranges.js'
import { MAX_CLAIMS, USE, type UseBudget, type UseSettled } from './use-budget.js'

/**
 * Ends the response of `ticket`, which held `ask.amount` and sent `kept` of it (both in millionths of a use),
 * leaving the byte range `[tailStart, tailEnd)` as a claim when it may not have reached the client. What of the
 * claim requests taken after this one asked for is credited at once (they ran beside it, or resumed it before it
 * ended); the rest waits for later requests. Also records a claim alone (amount and kept 0), for a response that
 * finished but whose connection was then reset with its end unread.
 */
export function settleUse(
  budget: UseBudget,
  ask: Readonly<UseSettled>,
  ticket: number,
  kept: number,
  tail?: readonly [number, number],
): void {
  // What no longer sits in `held` was taken as kept when its lease lapsed: it is in `kept` already.
  const fromHeld = Math.min(budget.held, ask.amount)
  budget.held -= fromHeld
  budget.kept = Math.max(0, budget.kept + kept - (ask.amount - fromHeld))
  // Claims it was credited for but did not send (it was cut off before them) go back, and their credit (rounded
  // up) with them: a request that asked for lost bytes and then sent none of them used none of the claim.
  const through = tail !== undefined ? tail[1] : kept > 0 ? ask.end : ask.start
  const pending: number[] = []
  for (let i = 0; i < budget.pending.length; i += 4) {
    if (budget.pending[i] !== ticket) {
      pending.push(...budget.pending.slice(i, i + 4))
      continue
    }
    const from = Math.max(budget.pending[i + 1], through)
    const to = budget.pending[i + 2]
    if (to <= from || ask.size === 0) continue
    const back = Math.min(budget.pending[i + 3], Math.ceil(((to - from) / ask.size) * USE))
    budget.kept += back
    budget.credited -= back
    budget.claims.push(from, to)
  }
  budget.pending = pending
  if (budget.claims.length > 2 * MAX_CLAIMS) budget.claims = budget.claims.slice(-2 * MAX_CLAIMS)
  if (tail === undefined || tail[1] <= tail[0] || ask.size !== budget.size) return
  let claim = [tail[0], tail[1]]
  let overlap = 0
  for (let i = 0; i < budget.asks.length; i += 3) {
    if (budget.asks[i + 2] <= ticket) continue
    overlap += overlapOf(claim, budget.asks[i], budget.asks[i + 1])
    claim = subtract(claim, budget.asks[i], budget.asks[i + 1])
  }
  if (overlap > 0 && ask.size > 0) {
    const credit = creditFor(budget.kept, budget.credited, overlap, ask)
    budget.kept -= credit
    budget.credited += credit
  }
  budget.claims.push(...claim)
  if (budget.claims.length > 2 * MAX_CLAIMS) budget.claims = budget.claims.slice(-2 * MAX_CLAIMS)
}

// What `overlap` bytes asked for again are worth, within the allowance left and what was kept.
function creditFor(kept: number, credited: number, overlap: number, ask: Readonly<UseSettled>): number {
  const credit = Math.min(Math.floor((overlap / ask.size) * USE), ask.resend - credited, kept)
  return credit > 0 ? credit : 0
}
