// How the Redis store sends commands: each bounded in time (redis-deadlines.ts), and in how many may wait at once;
// scripts by their digest; and writes that must survive a failover confirmed by the replicas (WAIT).
import { createHash } from 'node:crypto'
import { RENEW, SETTLE, TAKE } from './redis-budget-scripts.js'
import type { Connection, Send } from './redis-connection.js'
import { Deadlines } from './redis-deadlines.js'
import { BEAT, REVOKE } from './redis-revocation-scripts.js'

// How many commands may wait at once.
const MAX_IN_FLIGHT = 1000

const SHA1 = new Map(
  [TAKE, SETTLE, RENEW, REVOKE, BEAT].map((body) => [body, createHash('sha1').update(body).digest('hex')]),
)

/** The store's ways of sending: see {@link redisCommands}. */
export interface RedisCommands {
  /** Sends a command on the connection, bounded in time and in number waiting. */
  readonly command: Send
  /** Runs one of the store's scripts through `send`. */
  readonly script: (send: Send, body: string, keys: string[], args: string[]) => Promise<unknown>
  /**
   * Runs a script whose write must survive a failover: with `replicas`, only once WAIT confirms it (`wrote` says
   * from the reply whether it wrote; `unconfirmed` is told of a write the replicas did not confirm).
   */
  readonly durable: (
    body: string,
    keys: string[],
    args: string[],
    wrote?: (reply: unknown) => boolean,
    unconfirmed?: (reply: unknown) => void,
  ) => Promise<unknown>
}

/** Sends the store's commands and scripts on `connection`, each within `timeout` ms, WAITing for `replicas`. */
export function redisCommands(connection: Connection, timeout: number, replicas: number): RedisCommands {
  // node-redis bounds a command only until it is on the socket (and the store turns that timer off: see
  // redis-connection.ts): a Redis that stalls would hold every request. So each command has a deadline of its own,
  // kept by one timer for all (redis-deadlines.ts).
  const deadlines = new Deadlines(timeout)
  const waiting = { count: 0 }
  const timed = (send: Send) => bounded(send, deadlines, waiting)
  const command = timed(connection.send)
  // A script by its SHA-1 (EVALSHA: a fraction of EVAL's cost, measured), sent whole once Redis lacks it.
  const script = (send: Send, body: string, keys: string[], args: string[]): Promise<unknown> => {
    const rest = [String(keys.length), ...keys, ...args]
    return send(keys[0], ['EVALSHA', SHA1.get(body) as string, ...rest]).catch((err: unknown) => {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err
      return send(keys[0], ['EVAL', body, ...rest])
    })
  }
  // A write that must survive a failover: the script, then WAIT on the same connection until `replicas` replicas
  // hold it (Redis's WAIT counts every earlier write of the connection). Not confirmed in time: it did not count.
  // What the script did is not taken back: an undo sent later may reach a promoted replica that never had the
  // write (node-redis queues commands while it reconnects), and take back a use that was never spent there.
  // `wrote` says from the script's reply whether it wrote what replicas must hold (default: it did).
  const durable = (
    body: string,
    keys: string[],
    args: string[],
    wrote: (reply: unknown) => boolean = () => true,
    unconfirmed: (reply: unknown) => void = () => undefined,
  ): Promise<unknown> => {
    if (replicas === 0) return script(command, body, keys, args)
    // Bounded as a whole too: a lease of a Sentinel client waits for the connection's other commands.
    const leased = connection.pinned(keys[0], async (send) => {
      const pinned = timed(send)
      const result = await script(pinned, body, keys, args)
      if (!wrote(result)) return result
      const wait = ['WAIT', String(replicas), String(Math.max(1, Math.floor(timeout * 0.8)))]
      const held = await pinned(keys[0], wait).then(Number, (err: unknown) => {
        unconfirmed(result)
        throw err
      })
      if (!(held >= replicas)) {
        unconfirmed(result)
        throw new Error(`createRedisStore: ${String(held)} of ${replicas} replicas confirmed the write in time`)
      }
      return result
    })
    return withTimeout(leased, 2 * timeout)
  }
  return { command, script, durable }
}

/**
 * `send`, each command settled by Redis's answer or by its deadline, whichever comes first, and refused at once
 * while MAX_IN_FLIGHT wait (a Redis that stopped answering): memory stays bounded however long it stays silent. A
 * command counts in `waiting` until Redis answers it (or its connection drops), not until its deadline passes: one
 * that timed out still holds its place in node-redis's queue.
 */
function bounded(send: Send, deadlines: Deadlines, waiting: { count: number }): Send {
  return (key, args) => {
    if (waiting.count >= MAX_IN_FLIGHT) return Promise.reject(new Error('createRedisStore: too many commands waiting'))
    waiting.count++
    return new Promise((resolve, reject) => {
      const deadline = deadlines.start(reject)
      const answered = () => {
        waiting.count--
        deadlines.done(deadline)
      }
      let reply: Promise<unknown>
      try {
        reply = send(key, args)
      } catch (err) {
        answered()
        throw err
      }
      reply.then(
        (value) => {
          answered()
          resolve(value)
        },
        (err: unknown) => {
          answered()
          // node-redis's own rejection, passed on as it is.
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          reject(err)
        },
      )
    })
  }
}

/** `promise`, or a rejection once `ms` have passed without it (the timer holds no process open). */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('createRedisStore: Redis did not answer in time')), ms)
    timer.unref()
  })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}
