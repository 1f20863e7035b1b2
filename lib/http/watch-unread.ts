// A finished response of a limited-use link, watched until its connection closes: a reset before the next request
// means its end may never have been read.
import type { IncomingMessage } from 'node:http'
import type { LinkStore } from '../store/link-store.js'
import type { UseAsk } from '../store/use-budget.js'

const kUnread = Symbol('express-signed-url.unread')
/** A finished response's hold in the store, and the end of what it sent (a claim, if it goes unread). */
export interface Unread {
  store: LinkStore
  signature: string
  ticket: number
  ask: UseAsk
  tail: [number, number]
  read?: number
}
type WatchedSocket = NonNullable<IncomingMessage['socket']> & { [kUnread]?: Unread }

/**
 * A response that finished may still sit unread in the kernel's buffers: a client that closes a connection with
 * data unread resets it (a video player seeking elsewhere). A reset before another request comes on the connection
 * leaves the response's end as a claim. One listener per connection, for its latest response.
 */
export function watchUnread(req: IncomingMessage, unread: Unread): void {
  const socket = req.socket as WatchedSocket | null
  if (socket === null || socket.destroyed) return
  if (socket[kUnread] === undefined)
    socket.once('close', (hadError: boolean) => {
      const last = socket[kUnread]
      // Bytes read after the response finished are a later request: this one was read to its end.
      if (hadError && last !== undefined && socket.bytesRead === last.read)
        last.store.settle(last.signature, last.ticket, { ...last.ask, amount: 0 }, 0, last.tail).catch(() => undefined)
    })
  socket[kUnread] = { ...unread, read: socket.bytesRead }
}
