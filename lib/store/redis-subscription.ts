// The Redis store's subscription to the revocations' channel: connected and subscribed, each step again after a
// pause until it works, however long the first connection takes.
import { withTimeout } from './redis-commands.js'
import { isRefusal, type Connection } from './redis-connection.js'

/** What the subscription asks and tells of its store. */
export interface SubscriptionEvents {
  /** Whether the store was closed: checked after every step. */
  readonly closed: () => boolean
  /** A message on the channel. */
  readonly message: (text: string) => void
  /** The subscription may have missed messages (it reconnected, or moved). */
  readonly resubscribed: () => void
  /** Subscribed: messages are heard from now on. */
  readonly subscribed: () => void
  /** Redis refused the store's credentials or rights, which no retry mends: the subscription gives up. */
  readonly refused: (err: unknown) => void
}

/**
 * Connects and subscribes, each step again (after a pause) until it works, for as long as it takes; only a refusal
 * of the store's credentials or rights ends it, or a close. Never rejects.
 */
export async function keepSubscribed(connection: Connection, timeout: number, on: SubscriptionEvents): Promise<void> {
  for (let tries = 0; !on.closed(); tries++) {
    try {
      await connection.connect()
      // Closed while connecting: what came up after the close is closed now.
      if (on.closed()) {
        await connection.close()
        return
      }
      // node-redis keeps a listener once however often it is given (a retry after a late answer is harmless).
      await withTimeout(connection.subscribe(on.message, on.resubscribed), timeout)
      if (on.closed()) {
        await connection.close()
        return
      }
      on.subscribed()
      return
    } catch (err) {
      if (isRefusal(err)) {
        on.refused(err)
        return
      }
      await pause(Math.min(100 * (tries + 1), 2000))
    }
  }
}

/** Resolves after `ms`, on a timer that holds no process open. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
