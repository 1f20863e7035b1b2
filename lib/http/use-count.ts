// Counting a limited-use link's uses at a guard (the budget's rules: use-budget.ts): holding what a response may
// send in the store, waiting a moment when only running responses stand in the way, metering the body, and
// settling what was sent when the response ends, with the end of a cut-off (or reset unread) response as a claim.
import cluster from 'node:cluster'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { stackless, type SignedUrlError } from '../util/errors.js'
import { STATE_SLACK_SECONDS, type LinkStore } from '../store/link-store.js'
import type { Next } from './middleware.js'
import { countBody } from './count-body.js'
import { watchUnread } from './watch-unread.js'
import { keptOf, LEASE_SECONDS, TAIL_BYTES, type UseAsk } from '../store/use-budget.js'

/** How a guard counts: what it was given, and how it refuses. */
export interface UseCounterOptions {
  /** The guard's name, for the cluster warning. */
  factory: string
  store: LinkStore
  /** True for the default memory store (a guard given none): warned about under Node's cluster. */
  shared: boolean
  /** Seconds past a link's expiry that the guard still accepts it (its signer's clock tolerance). */
  tolerance: number
  /** Serve uncounted when the store cannot answer (`dangerouslyAllowWhenStoreDown`). */
  allowWhenDown: boolean
  reject(error: SignedUrlError, req: IncomingMessage, res: ServerResponse, next: Next, status?: number): void
  /** Refuses with 503 and ERR_STORE_UNAVAILABLE. */
  unavailable(req: IncomingMessage, res: ServerResponse, next: Next): void
}

/**
 * Holds what a response of a limited-use link may send (`ask`) in the store, then calls `proceed`; refuses when the
 * link has not that much left (410), when only its running responses hold it past a short wait (503 with
 * Retry-After), or when the store cannot answer (503). When the response ends it keeps what it sent: with `bytes`,
 * the body bytes that went out of the file's (`ask.size`), leaving the end of a response cut off (or reset unread)
 * as a claim a later request may be credited for; else all of `ask.amount` for a 2xx response. Anything but a 2xx
 * response keeps nothing.
 */
export type CountUses = (
  req: IncomingMessage,
  res: ServerResponse,
  next: Next,
  link: { readonly signature: string; readonly expiresAt: number },
  ask: UseAsk,
  meter: 'bytes' | 'response',
  proceed: () => void,
) => void

/** A guard's counter of uses. */
export function createUseCounter(options: Readonly<UseCounterOptions>): CountUses {
  const { factory, store, shared, tolerance, allowWhenDown, reject, unavailable } = options
  return function count(req, res, next, link, ask, meter, proceed) {
    if (shared) warnIfShared(factory)
    const { signature } = link
    const until = link.expiresAt + tolerance + STATE_SLACK_SECONDS
    // The client may have gone before this was called (signedStatic reads the file's size first), or while the
    // store answers: a request whose response closed holds nothing, and stops waiting.
    const gone = () =>
      res.destroyed || res.writableEnded || (req.socket as { destroyed?: boolean } | null)?.destroyed === true
    const attempt = (tries: number): void => {
      if (gone()) return
      store.take(signature, ask, until).then(
        (answer) => {
          if (answer === 'spent') reject(stackless('ERR_USES_EXHAUSTED'), req, res, next, 410)
          else if (typeof answer === 'number')
            serveCounted({ req, res, store, signature, ticket: answer, ask, meter, gone, go })
          // Held only by responses still running: most end within moments (a client cut them off to ask again).
          else if (gone()) return
          else if (tries < WAITS.length) setTimeout(() => attempt(tries + 1), WAITS[tries]).unref()
          else {
            res.setHeader('Retry-After', '1')
            reject(stackless('ERR_USES_BUSY'), req, res, next, 503)
          }
        },
        () => {
          if (allowWhenDown) go()
          else unavailable(req, res, next)
        },
      )
    }
    attempt(0)

    function go(): void {
      try {
        proceed()
      } catch (err) {
        next(err)
      }
    }
  }
}

// What a counted response needs: the request, the store's ticket for what it holds, and how to go on.
interface Counted {
  req: IncomingMessage
  res: ServerResponse
  store: LinkStore
  signature: string
  ticket: number
  ask: UseAsk
  meter: 'bytes' | 'response'
  gone: () => boolean
  go: () => void
}

// Serves what the store holds for a response, metering its body, and settles what it sent when it ends.
function serveCounted({ req, res, store, signature, ticket, ask, meter, gone, go }: Counted): void {
  if (ask.amount === 0) {
    go()
    return
  }
  // The client went away while the store answered: nothing was sent.
  if (gone()) {
    store.settle(signature, ticket, ask, 0).catch(() => undefined)
    return
  }
  let sent = 0
  // Never more than was held: a file that grew since its size was read is cut off there.
  if (meter === 'bytes') countBody(res, ask.size === 0 ? 0 : ask.end - ask.start, (length) => (sent += length))
  // A response that runs longer than a lease says again that it holds what it holds.
  const renewing = setInterval(() => void store.renew(signature).catch(() => undefined), (LEASE_SECONDS * 1000) / 3)
  renewing.unref()
  let settled = false
  const settle = () => {
    if (settled) return
    settled = true
    clearInterval(renewing)
    const served = res.headersSent && res.statusCode >= 200 && res.statusCode < 300
    let kept = 0
    let tail: [number, number] | undefined
    if (served && meter === 'response') kept = ask.amount
    else if (served) {
      kept = ask.size === 0 ? ask.amount : keptOf(sent, ask.size)
      const start = firstByte(res)
      // Cut off: the end of what went out may still have been in the kernel's buffers when it closed.
      if (!res.writableFinished) tail = tailOf(start, sent)
      else if (ask.size > 0) watchUnread(req, { store, signature, ticket, ask, tail: tailOf(start, sent) })
    }
    store.settle(signature, ticket, ask, kept, tail).catch(() => undefined)
  }
  res.once('finish', settle).once('close', settle)
  go()
}

// A request at requireSignature is one use of `uses`, kept when the handler answers 2xx.
export function requestUses(uses: number): UseAsk {
  return { amount: 1, limit: uses, resend: 0, start: 0, end: 0, size: 0 }
}

// How long a request whose budget only running responses hold waits for it, step by step (ms; 4.6 s in all),
// before 503. A resumed or seeking client asks again once it has cut its earlier response off, and that response
// ends within milliseconds; a download manager's segments on a one-use link wait for its first response (aria2c's,
// at 8 MB/s on loopback, about 2 s, until that response had sent the whole file and they got 410).
const WAITS = [25, 50, 100, 200, 400, 800, 1000, 1000, 1000]

// The bytes of the file a response sends from: a 206's Content-Range start, else 0.
function firstByte(res: ServerResponse): number {
  const range = res.statusCode === 206 ? res.getHeader('Content-Range') : undefined
  const start = typeof range === 'string' ? /^bytes (\d+)-/.exec(range)?.[1] : undefined
  return start === undefined ? 0 : Number(start)
}

function tailOf(start: number, sent: number): [number, number] {
  return [start + Math.max(0, sent - TAIL_BYTES), start + sent]
}

let warned = false
// A guard without a store counts uses in this process alone: wrong when the app runs as several processes, which
// it can tell for Node's cluster. Once per process.
function warnIfShared(factory: string): void {
  if (warned || !cluster.isWorker) return
  warned = true
  process.emitWarning(
    `${factory}: limited-use links are counted in this process's memory, but this is a cluster worker: each ` +
      'worker counts on its own, so a link may be used more often than it allows. Give the guards a shared store ' +
      '(createRedisStore).',
    { code: 'EXPRESS_SIGNED_URL_MEMORY_STORE' },
  )
}
