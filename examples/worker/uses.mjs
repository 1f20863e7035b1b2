// Limited-use links at the edge: a Durable Object per link (named by its signature) keeps the link's budget, by the
// rules the Node guards' stores follow (use-budget.ts, exported by express-signed-url/web). A use is the whole
// object and a range its share; a response holds what it may send while it runs, and keeps only what it sent when
// it ends. The end of a response the client cut off stays as a claim, so a download resumed where it stopped, or a
// video player seeking back, is not charged twice for bytes it may not have received. HEAD costs nothing, and an
// answer that sends no body (304, 404, 412, 416) keeps nothing.
// One object handles its requests one at a time, and its storage calls hold other requests back until they are
// done (input gates), so of many racing requests no more are served than the budget allows.
//
// Bind the class as USES (wrangler.json: durable_objects + migrations). Without the binding, limited-use links are
// refused (403): never served uncounted. Only for the R2 bucket (FILES): through ORIGIN the size is not known
// before the answer, so limited-use links are refused there too.
/* global FixedLengthStream */
import { emptyBudget, keptOf, renewUse, settleUse, TAIL_BYTES, takeUse, useCost } from 'express-signed-url/web'
import { refuse } from './refuse.mjs'

/**
 * The budget of one link. In: `{ op: 'take', ask, until }` (a UseAsk, and until when the budget is kept, Unix
 * seconds), `{ op: 'settle', ticket, ask, kept, tail }` or `{ op: 'renew' }`. Out: `{ answer }` for a take (a
 * ticket number, 'held' or 'spent'), `{}` otherwise.
 */
export class UseCounter {
  constructor(state) {
    this.storage = state.storage
  }

  async fetch(request) {
    const message = await request.json()
    if (!wellFormed(message)) return Response.json({}, { status: 400 })
    const nowS = Date.now() / 1000
    const budget = await this.budget()
    if (message.op === 'take') {
      const stored = budget ?? emptyBudget()
      const answer = takeUse(stored, message.ask, nowS)
      // A HEAD holds nothing, so there is nothing to write.
      if (typeof answer === 'number' && message.ask.amount > 0) {
        await this.storage.put('budget', stored)
        // Forgotten once the link has expired.
        if ((await this.storage.getAlarm()) === null) await this.storage.setAlarm(message.until * 1000)
      }
      return Response.json({ answer })
    }
    // A budget that is gone expired with its link: nothing is left to settle or renew.
    if (budget !== undefined) {
      if (message.op === 'settle') settleUse(budget, message.ask, message.ticket, message.kept, message.tail)
      else renewUse(budget, nowS)
      await this.storage.put('budget', budget)
    }
    return Response.json({})
  }

  // The stored budget. A count an earlier version of this file kept (`used`, a plain number of millionths) is what
  // the link kept; it stays until the alarm, but the budget, once written, is read first.
  async budget() {
    const budget = await this.storage.get('budget')
    if (budget !== undefined) return budget
    const used = await this.storage.get('used')
    return used === undefined ? undefined : { ...emptyBudget(), kept: used }
  }

  async alarm() {
    await this.storage.deleteAll()
  }
}

const count = (n) => Number.isSafeInteger(n) && n >= 0

// Only what serveLimited sends: whole, non-negative numbers where use-budget.ts expects them.
function wellFormed(message) {
  if (message === null || typeof message !== 'object') return false
  if (message.op === 'renew') return true
  if (message.op === 'settle') {
    const { ticket, ask, kept, tail } = message
    if (ask === null || typeof ask !== 'object') return false
    return (
      [ticket, ask.amount, ask.resend, ask.size, ask.start, ask.end, kept].every(count) &&
      (tail === undefined || (Array.isArray(tail) && tail.length === 2 && tail.every(count)))
    )
  }
  if (message.op !== 'take' || message.ask === null || typeof message.ask !== 'object') return false
  const { amount, limit, resend, start, end, size } = message.ask
  return [amount, limit, resend, start, end, size, message.until].every(count)
}

// How long a request waits, step by step, while only running responses hold what it asks (ms; 4.6 s in all), before
// a 503: as the Node guard waits. A client that cut a response off to ask again (a resumed download, a seeking
// player) asks within moments, and the response it cut off ends at once.
const WAITS = [25, 50, 100, 200, 400, 800, 1000, 1000, 1000]

// A use, in the units counted (use-budget.ts).
const USE = 1_000_000

/**
 * Serves a limited-use link: what the response may send is held in the link's budget before `serve()` runs, and
 * what it sent is kept when its body ends, or when the client goes away. 410 once nothing is left; 503 with
 * Retry-After: 1 when only running responses stand in the way past a short wait; 503 with Retry-After: 5 if the
 * counter cannot answer. `ctx` (the fetch handler's) keeps the Worker running until the budget is settled.
 */
export async function serveLimited(request, env, link, key, serve, byteRange, ctx) {
  if (env.USES === undefined || env.FILES === undefined) return refuse(403, request.method)
  const head = await env.FILES.head(key)
  if (head === null) return serve()
  // The object's size is read here and by serve(): if it changes between, the cost was for the other size.
  const ask = askOf(request, head.size, link.uses, byteRange)
  const counter = env.USES.get(env.USES.idFromName(link.signature))
  const call = async (message) => {
    const answer = await counter.fetch('https://uses/', { method: 'POST', body: JSON.stringify(message) })
    if (!answer.ok) throw new Error(`the counter answered ${answer.status}`)
    return answer.json()
  }
  // Kept as the Node guard keeps it: past the last second the link is accepted (this signer has no clockTolerance:
  // its expiry) by an hour.
  const until = link.expiresAt + 3600
  let answer
  try {
    for (let tries = 0; ; tries++) {
      ;({ answer } = await call({ op: 'take', ask, until }))
      if (answer !== 'held' || tries === WAITS.length) break
      await new Promise((resolve) => setTimeout(resolve, WAITS[tries]))
    }
  } catch (err) {
    console.error(`signed-files worker cannot count a limited-use link: ${err.message}`)
    return refuse(503, request.method, { 'Retry-After': '5' })
  }
  if (answer === 'spent') return refuse(410, request.method)
  if (answer === 'held') return refuse(503, request.method, { 'Retry-After': '1' })
  // Taken: the answer is the ticket to settle with.
  const ticket = answer
  if (ask.amount === 0) return serve()

  // A response that runs longer than a lease says again that it holds what it holds (a third of LEASE_SECONDS).
  const renewing = setInterval(() => void call({ op: 'renew' }).catch(() => undefined), 20_000)
  // What the response held is settled once, however it ends; a failed settle leaves the hold to lapse into kept
  // (use-budget.ts), which counts it as sent: never less than was sent.
  let settled = false
  const settle = (kept, tail) => {
    if (settled) return Promise.resolve()
    settled = true
    clearInterval(renewing)
    const { amount, resend, size, start, end } = ask
    return call({ op: 'settle', ticket, ask: { amount, resend, size, start, end }, kept, tail }).catch((err) => {
      console.error(`signed-files worker cannot settle a limited-use link: ${err.message}`)
    })
  }
  let response
  try {
    response = await serve()
  } catch (err) {
    await settle(0)
    throw err
  }
  if (response.status !== 200 && response.status !== 206) {
    await settle(0)
    return response
  }
  // An empty object is one use per GET, as at signedStatic.
  if (ask.size === 0 || response.body === null) {
    await settle(ask.size === 0 ? ask.amount : 0)
    return response
  }
  return countedResponse(response, ctx, (sent, cut) => {
    const start = firstByte(response)
    // Cut off: the end of what went out may not have reached the client.
    const tail = cut ? [start + Math.max(0, sent - TAIL_BYTES), start + sent] : undefined
    return settle(keptOf(sent, ask.size), tail)
  })
}

/**
 * The response with its body counted as the runtime pulls it to send it: `end(sent, cut)` runs once, when the
 * body ended (cut false) or the client went away or the object could not be read (cut true).
 */
function countedResponse(response, ctx, end) {
  const reader = response.body.getReader()
  let sent = 0
  let ended
  const done = new Promise((resolve) => (ended = resolve))
  const finish = (cut) => {
    ended(end(sent, cut))
    ended = () => undefined
  }
  // Registered now, while the request runs: the settle may only start after the client has gone.
  ctx?.waitUntil(done)
  const body = new ReadableStream(
    {
      async pull(controller) {
        let chunk
        try {
          chunk = await reader.read()
        } catch (err) {
          finish(true)
          controller.error(err)
          return
        }
        if (chunk.done) {
          finish(false)
          controller.close()
          return
        }
        sent += chunk.value.byteLength
        controller.enqueue(chunk.value)
      },
      cancel(reason) {
        finish(true)
        return reader.cancel(reason)
      },
    },
    // Nothing read ahead: a chunk is counted when the runtime asks for it to send.
    { highWaterMark: 0 },
  )
  // Of the length the headers say (the runtime would otherwise send a stream of its own making chunked, without
  // them): the pipe into it pulls a chunk only when the one before was taken, and cancels `body` when the client
  // goes away.
  const length = response.headers.get('Content-Length')
  return new Response(length === null ? body : body.pipeThrough(new FixedLengthStream(Number(length))), {
    status: response.status,
    headers: response.headers,
    encodeBody: response.headers.has('Content-Encoding') ? 'manual' : 'automatic',
  })
}

// The byte of the object a response sends from: a 206's Content-Range start, else 0.
function firstByte(response) {
  const range = response.status === 206 ? /^bytes (\d+)-/.exec(response.headers.get('Content-Range') ?? '') : null
  return range === null ? 0 : Number(range[1])
}

// As the Node guard's (lib/http/signed-static.ts, cost()): a GET holds the one range it asks for (without If-Range),
// else the whole object, and keeps what it sends; a HEAD holds nothing, though it is refused once the link's uses
// are spent, the rounding's allowance aside. Ranges are [start, end) of the object's bytes.
function askOf(request, size, uses, byteRange) {
  const whole = useCost(size, uses)
  if (request.method === 'HEAD') return { ...whole, amount: 0, limit: uses * USE, start: 0, end: 0, size }
  const range =
    request.headers.has('If-Range') || size === 0 ? undefined : byteRange(request.headers.get('Range'), size)
  if (range === undefined || range === 'unsatisfiable') return { ...whole, start: 0, end: size, size }
  const { offset, length } = range
  return { ...useCost(size, uses, length), start: offset, end: offset + length, size }
}
