// The subscription to the revocations' channel: connect, then subscribe, each again after a growing pause until it
// works; given up only on a refusal of credentials or rights, or a close.
import type { Connection } from '../../lib/store/redis-connection'
import { keepSubscribed, pause } from '../../lib/store/redis-subscription'

// A connection whose connect and subscribe fail as `failures` says, in turn, then work.
function connection(failures: (Error | undefined)[] = []) {
  const steps: string[] = []
  const step = (name: string) => () => {
    steps.push(name)
    const failure = failures.shift()
    return failure === undefined ? Promise.resolve() : Promise.reject(failure)
  }
  const c: Connection = {
    send: () => Promise.resolve(),
    pinned: (_key, steps) => steps(c.send),
    connect: step('connect'),
    subscribe: step('subscribe'),
    close: step('close'),
  }
  return { connection: c, steps }
}

const events = (closed = () => false) => ({
  closed,
  message: jest.fn(),
  resubscribed: jest.fn(),
  subscribed: jest.fn(),
  refused: jest.fn(),
})

describe('keepSubscribed()', () => {
  afterEach(() => jest.useRealTimers())

  it('connects, subscribes, and says so', async () => {
    const { connection: c, steps } = connection()
    const on = events()
    await keepSubscribed(c, 100, on)
    expect(steps).toEqual(['connect', 'subscribe'])
    expect([on.subscribed.mock.calls.length, on.refused.mock.calls.length]).toEqual([1, 0])
  })

  it('tries again after 100 ms, then 200 ms, while Redis cannot be reached', async () => {
    jest.useFakeTimers()
    const down = new Error('connect ECONNREFUSED')
    const { connection: c, steps } = connection([down, down])
    const on = events()
    const done = keepSubscribed(c, 100, on)
    await jest.advanceTimersByTimeAsync(99)
    expect(steps).toEqual(['connect'])
    await jest.advanceTimersByTimeAsync(1)
    expect(steps).toEqual(['connect', 'connect'])
    await jest.advanceTimersByTimeAsync(200)
    await done
    expect(steps).toEqual(['connect', 'connect', 'connect', 'subscribe'])
    expect(on.subscribed).toHaveBeenCalledTimes(1)
  })

  it('gives up on a refusal of its credentials, and says so', async () => {
    const { connection: c, steps } = connection([new Error('WRONGPASS invalid password')])
    const on = events()
    await keepSubscribed(c, 100, on)
    expect(steps).toEqual(['connect'])
    expect(on.refused.mock.calls[0][0]).toEqual(new Error('WRONGPASS invalid password'))
    expect(on.subscribed).not.toHaveBeenCalled()
  })

  it('closes what came up after the store was closed, and does not subscribe', async () => {
    let closed = false
    const { connection: c, steps } = connection()
    c.connect = () => {
      steps.push('connect')
      closed = true
      return Promise.resolve()
    }
    const on = events(() => closed)
    await keepSubscribed(c, 100, on)
    expect(steps).toEqual(['connect', 'close'])
    expect(on.subscribed).not.toHaveBeenCalled()
  })

  it('gives the connection the listeners it was given, the same ones on every try', async () => {
    const listeners: unknown[][] = []
    const { connection: c } = connection()
    c.subscribe = (listener, resubscribed) => {
      listeners.push([listener, resubscribed])
      return Promise.resolve()
    }
    const on = events()
    await keepSubscribed(c, 100, on)
    expect(listeners).toEqual([[on.message, on.resubscribed]])
  })
})

describe('pause()', () => {
  it('resolves after the time given, not before', async () => {
    jest.useFakeTimers()
    let done = false
    const paused = pause(30).then(() => (done = true))
    expect(jest.getTimerCount()).toBe(1)
    await jest.advanceTimersByTimeAsync(29)
    expect(done).toBe(false)
    await jest.advanceTimersByTimeAsync(1)
    await paused
    expect(done).toBe(true)
    jest.useRealTimers()
  })
})
