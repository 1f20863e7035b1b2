import { EventEmitter } from 'node:events'
import type { IncomingMessage } from 'node:http'
import { watchUnread, type Unread } from '../../lib/http/watch-unread'
import type { LinkStore } from '../../lib/store/link-store'

// A connection as watchUnread sees it: its close event, whether it is destroyed, and the bytes read on it.
const connection = (bytesRead = 100) => Object.assign(new EventEmitter(), { destroyed: false, bytesRead })
const requestOn = (socket: unknown) => ({ socket }) as IncomingMessage
const ask = { amount: 1_000_000, limit: 1_000_000, resend: 0, start: 0, end: 1000, size: 1000 }
const unread = (store: LinkStore, ticket = 1): Unread => ({ store, signature: 'sig', ticket, ask, tail: [900, 1000] })
const storeSpy = () => {
  const settle = jest.fn(() => Promise.resolve())
  return { store: { settle } as unknown as LinkStore, settle }
}

describe('watchUnread()', () => {
  describe('when the client resets the connection before another request comes', () => {
    it("settles the response's end as a claim: nothing more kept, the tail given back", () => {
      const socket = connection()
      const { store, settle } = storeSpy()
      watchUnread(requestOn(socket), unread(store))
      socket.emit('close', true)
      expect(settle.mock.calls).toEqual([['sig', 1, { ...ask, amount: 0 }, 0, [900, 1000]]])
    })

    it('settles for the latest response on the connection only, with one listener', () => {
      const socket = connection()
      const { store, settle } = storeSpy()
      watchUnread(requestOn(socket), unread(store, 1))
      socket.bytesRead = 180
      watchUnread(requestOn(socket), unread(store, 2))
      expect(socket.listenerCount('close')).toBe(1)
      socket.emit('close', true)
      expect(settle.mock.calls.map((call: unknown[]) => call[1])).toEqual([2])
    })
  })

  describe('when the response was read to its end', () => {
    it('settles nothing when the connection closes cleanly', () => {
      const socket = connection()
      const { store, settle } = storeSpy()
      watchUnread(requestOn(socket), unread(store))
      socket.emit('close', false)
      expect(settle).not.toHaveBeenCalled()
    })

    it('settles nothing when bytes of a later request were read before the reset', () => {
      const socket = connection()
      const { store, settle } = storeSpy()
      watchUnread(requestOn(socket), unread(store))
      socket.bytesRead += 80
      socket.emit('close', true)
      expect(settle).not.toHaveBeenCalled()
    })
  })

  it('watches nothing on a connection already gone, or none', () => {
    const socket = Object.assign(connection(), { destroyed: true })
    const { store } = storeSpy()
    watchUnread(requestOn(socket), unread(store))
    expect(socket.listenerCount('close')).toBe(0)
    expect(() => watchUnread(requestOn(null), unread(store))).not.toThrow()
  })
})
