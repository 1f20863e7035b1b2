// The budget of one limited-use link: what the memory store keeps per link, what the Worker's Durable Object keeps,
// and what the Redis store's scripts (redis-budget-scripts.ts) compute in Lua, step for step. Runtime-neutral.
//
// A link of `uses: N` may send N whole files. Amounts are in millionths of a use (a use is the file's size as it is
// at each request), so a link's budget survives a file that grows or shrinks without reopening. A response holds
// back the length it may send while it runs and, when it ends, keeps only what went to its socket (`settleUse`).
// A response that was cut off leaves its last bytes as a claim: the client may not have received them (they sat in
// the kernel's buffers when the connection closed). Bytes claimed that another request of the link asks for again,
// after (a resumed download, a seeking player) or while it ran (a download manager's parallel segments), are not
// charged twice, up to the link's resend allowance. That allowance bounds what a client that lies about losing
// bytes can get: N x size x 1.001 + N x min(2 x size, 64 MiB), however it asks.
import { subtract } from './claim-ranges.js'

/** One link's budget, as plain data (JSON, or a Redis hash's fields). */
export interface UseBudget {
  /** Kept by responses that ended: what went out, less what was asked for again (millionths of a use). */
  kept: number
  /** Held by responses still running. */
  held: number
  /** Until when (Unix seconds) running responses vouch for `held`; past it, `held` is taken as kept. */
  heldUntil: number
  /** Credited so far for bytes asked for again. */
  credited: number
  /** The possibly lost tails of cut-off responses: byte ranges [start, end), flat, oldest first. */
  claims: number[]
  /** The ticket of the latest response taken. */
  seq: number
  /** The byte ranges the latest responses asked for, with their tickets: [start, end, ticket], flat, oldest first. */
  asks: number[]
  /** The file's size that the claims and asks are of (a file that changed makes them meaningless). */
  size: number
  /**
   * The claims running responses were credited for, until they show they sent them: [ticket, start, end, credit],
   * flat. What a response does not send goes back to the claims, and its credit with it.
   */
  pending: number[]
}

/** What a request asks of a link's budget. */
export interface UseAsk {
  /** What the response may send, held while it runs (0: a HEAD, which only asks whether anything is left). */
  amount: number
  /** The link's whole budget. */
  limit: number
  /** The most the link may be credited, in all, for bytes asked for again. */
  resend: number
  /** The bytes the response would send, [start, end), of a file of `size` bytes (size 0: no byte range). */
  start: number
  /** The end of that range (exclusive). */
  end: number
  /** The file's size in bytes, at this request. */
  size: number
}

/**
 * A request's answer: a ticket (a number: serve it, and settle with the ticket; 0 for a request that holds nothing),
 * 'held' (only running responses stand in the way: retry) or 'spent' (410).
 */
export type UseAnswer = number | 'held' | 'spent'

/** What settling needs of the request's ask. */
export type UseSettled = Omit<UseAsk, 'limit'>

/** A use, in the units counted; what each use allows beyond it for rounding (0.1%). */
export const USE = 1_000_000
export const ROUNDING = 1000
/** The most of a cut-off response's end that may count as lost: more than a TCP connection's buffers hold. */
export const TAIL_BYTES = 16 * 1024 * 1024
/**
 * The most a link may be credited per use, in bytes (and never more than twice the file): Chromium seeking before
 * it plays a 20 MB video on loopback cut off up to six responses, each with 4 to 8 MB in the connection's buffers,
 * and asked for 0.3 to 1.3 of the file again.
 */
export const RESEND_BYTES = 64 * 1024 * 1024
/** How long running responses vouch for what they hold before they say so again (seconds). */
export const LEASE_SECONDS = 60
/** How many claims, and asks, a link keeps (the newest). */
export const MAX_CLAIMS = 8
export const MAX_ASKS = 16
/** How many credited claims of running responses a link keeps (the oldest beyond are kept as credited). */
export const MAX_PENDING = 32

/** A fresh budget. */
export function emptyBudget(): UseBudget {
  return { kept: 0, held: 0, heldUntil: 0, credited: 0, claims: [], seq: 0, asks: [], size: 0, pending: [] }
}

/**
 * What a request costs and the link's limit, in millionths of a use, for `bytes` of a file of `size` bytes (or the
 * whole file when `bytes` is undefined), and the link's resend allowance.
 */
export function useCost(
  size: number,
  uses: number,
  bytes?: number,
): {
  /** What the request holds while it runs. */ amount: number
  /** The link's whole budget. */ limit: number
  /** The most the link may be credited, in all, for bytes asked for again. */ resend: number
} {
  const limit = uses * (USE + ROUNDING)
  const resend = size === 0 ? 0 : uses * Math.ceil((Math.min(2 * size, RESEND_BYTES) / size) * USE)
  if (bytes === undefined || size === 0) return { amount: USE, limit, resend }
  return { amount: Math.min(USE, Math.ceil((bytes / size) * USE)), limit, resend }
}

/** The millionths of a use that `bytes` sent of a file of `size` bytes keep (rounded up; a whole use for size 0). */
export function keptOf(bytes: number, size: number): number {
  if (size === 0) return bytes > 0 ? USE : 0
  return Math.ceil((bytes / size) * USE)
}

/**
 * Takes what a request asks, if it fits, crediting the bytes it asks for again that cut-off responses may have
 * lost. Changes `budget` only when it answers with a ticket (as the Redis script writes only then). A HEAD (amount
 * 0) fits while anything is left.
 */
export function takeUse(budget: UseBudget, ask: Readonly<UseAsk>, nowS: number): UseAnswer {
  // Holds nobody vouched for within a lease (their process stopped mid-response) may have been sent: kept.
  const lapsed = budget.held > 0 && nowS > budget.heldUntil
  const kept = lapsed ? budget.kept + budget.held : budget.kept
  const held = lapsed ? 0 : budget.held
  const { amount, limit } = ask
  if (amount === 0) return kept < limit ? 0 : 'spent'
  // Byte ranges of a file that has since changed say nothing of this one (a claim on a file that shrank would be
  // priced at its new size).
  const sameFile = ask.size === budget.size
  const claims = sameFile ? budget.claims : []
  // The claimed bytes it asks for again, piece by piece, each worth its share of the file (rounded down), within
  // the allowance left and what was kept.
  let room = Math.min(ask.resend - budget.credited, kept)
  const credits: number[] = []
  if (ask.size > 0) {
    for (let i = 0; i < claims.length && room > 0; i += 2) {
      const from = Math.max(claims[i], ask.start)
      const to = Math.min(claims[i + 1], ask.end)
      const worth = to > from ? Math.min(Math.floor(((to - from) / ask.size) * USE), room) : 0
      if (worth <= 0) continue
      credits.push(from, to, worth)
      room -= worth
    }
  }
  let credit = 0
  for (let i = 2; i < credits.length; i += 3) credit += credits[i]
  if (kept - credit + held + amount <= limit) {
    budget.kept = kept - credit
    budget.held = held + amount
    budget.heldUntil = Math.max(budget.heldUntil, nowS + LEASE_SECONDS)
    budget.credited += credit
    budget.claims = claims
    budget.pending = sameFile ? budget.pending : []
    budget.asks = sameFile ? budget.asks : []
    budget.size = ask.size
    budget.seq += 1
    for (let i = 0; i < credits.length; i += 3) {
      budget.claims = subtract(budget.claims, credits[i], credits[i + 1])
      budget.pending.push(budget.seq, credits[i], credits[i + 1], credits[i + 2])
    }
    if (budget.pending.length > 4 * MAX_PENDING) budget.pending = budget.pending.slice(-4 * MAX_PENDING)
    if (ask.size > 0) {
      budget.asks.push(ask.start, ask.end, budget.seq)
      if (budget.asks.length > 3 * MAX_ASKS) budget.asks = budget.asks.slice(-3 * MAX_ASKS)
    }
    return budget.seq
  }
  return kept - credit + amount <= limit ? 'held' : 'spent'
}

/** Says again that running responses hold what they hold (a response that runs longer than a lease). */
export function renewUse(budget: UseBudget, nowS: number): void {
  if (budget.held > 0) budget.heldUntil = Math.max(budget.heldUntil, nowS + LEASE_SECONDS)
}
