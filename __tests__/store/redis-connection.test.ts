// The Redis store's connections, one kind per node-redis client, with stand-in clients that record what they are
// asked: which kind a client is taken for, where commands go, pub/sub and its "may have missed messages", closing.
import { given, isRefusal, ownConnection } from '../../lib/store/redis-connection'

const CHANNEL = 'signed-url:revocations'
type Handler = (...args: never[]) => void

// A stand-in with the methods every kind has, recording its calls and its listeners.
function base(extra: Record<string, unknown>) {
  const calls: unknown[][] = []
  const events = new Map<string, Handler[]>()
  const client: Record<string, unknown> & { isOpen: boolean; isReady: boolean } = {
    isOpen: false,
    isReady: false,
    connect: () => {
      calls.push(['connect'])
      client.isOpen = client.isReady = true
      return Promise.resolve()
    },
    sendCommand: (...args: unknown[]) => {
      calls.push(['sendCommand', ...args])
      return Promise.resolve('OK')
    },
    subscribe: (channel: string) => {
      calls.push(['subscribe', channel])
      return Promise.resolve()
    },
    on: (event: string, fn: Handler) => {
      events.set(event, [...(events.get(event) ?? []), fn])
      return client
    },
    off: (event: string, fn: Handler) => {
      events.set(
        event,
        (events.get(event) ?? []).filter((f) => f !== fn),
      )
      return client
    },
    ...extra,
  }
  const emit = (event: string) => events.get(event)?.forEach((fn) => fn())
  return { client, calls, emit, listeners: (event: string) => events.get(event)?.length ?? 0 }
}

function standalone() {
  const subscriber = base({ close: () => Promise.resolve(subscriber.calls.push(['close'])) })
  const main = base({ duplicate: () => subscriber.client })
  return { main, subscriber }
}

const cluster = () =>
  base({ nodeClient: () => undefined, masters: [], unsubscribe: (c: string) => Promise.resolve([c]) })
function sentinel() {
  const leased: unknown[][] = []
  const fake = base({
    getSentinelNode: () => undefined,
    unsubscribe: () => Promise.resolve(),
    use: (fn: (lease: { sendCommand: (...a: unknown[]) => Promise<unknown> }) => Promise<unknown>) =>
      fn({ sendCommand: (...args) => Promise.resolve(leased.push(args)) }),
  })
  return { ...fake, leased }
}

describe('given()', () => {
  it.each([
    ['null', null],
    ['a string', 'redis://localhost'],
    ['a client without subscribe', { sendCommand: () => 1, connect: () => 1, on: () => 1, duplicate: () => 1 }],
    ['a client of no kind it knows (a pool)', base({}).client],
  ])('refuses %s with a TypeError naming "client"', (_what, client) => {
    expect(() => given(client, CHANNEL)).toThrow(TypeError)
    expect(() => given(client, CHANNEL)).toThrow(/"client" must be a node-redis v6 client/)
  })

  it('sends a standalone client its args, all on one connection, and subscribes on a duplicate', async () => {
    const { main, subscriber } = standalone()
    const connection = given(main.client, CHANNEL)
    await connection.send('key', ['GET', 'key'])
    await connection.pinned('key', (send) => send('key', ['WAIT', '1', '800']))
    expect(main.calls).toEqual([
      ['sendCommand', ['GET', 'key']],
      ['sendCommand', ['WAIT', '1', '800']],
    ])
    const resubscribed = jest.fn()
    await connection.subscribe(() => undefined, resubscribed)
    await connection.subscribe(() => undefined, resubscribed)
    expect(subscriber.calls).toEqual([['connect'], ['subscribe', CHANNEL], ['subscribe', CHANNEL]])
    subscriber.emit('ready')
    expect(resubscribed).toHaveBeenCalledTimes(1)
  })

  it('closes the duplicate it made, never the app’s client', async () => {
    const { main, subscriber } = standalone()
    const connection = given(main.client, CHANNEL)
    await connection.connect()
    await connection.subscribe(
      () => undefined,
      () => undefined,
    )
    await connection.close()
    expect(subscriber.calls.at(-1)).toEqual(['close'])
    expect(main.calls).toEqual([['connect']])
  })

  it('routes a Cluster client’s command by its key, and is behind when a node (re)connects', async () => {
    const fake = cluster()
    const connection = given(fake.client, CHANNEL)
    await connection.send('signed-url:uses:x', ['EVALSHA', 'sha'])
    expect(fake.calls).toEqual([['sendCommand', 'signed-url:uses:x', false, ['EVALSHA', 'sha']]])
    const resubscribed = jest.fn()
    await connection.subscribe(() => undefined, resubscribed)
    fake.emit('node-ready')
    expect(resubscribed).toHaveBeenCalledTimes(1)
    await connection.close()
    expect(fake.listeners('node-ready')).toBe(0)
  })

  it('sends a Sentinel client (isReadonly, args), and holds a lease for pinned steps', async () => {
    const fake = sentinel()
    const connection = given(fake.client, CHANNEL)
    await connection.send('key', ['GET', 'key'])
    await connection.pinned('key', (send) => send('key', ['WAIT', '1', '800']))
    expect(fake.calls).toEqual([['sendCommand', false, ['GET', 'key']]])
    expect(fake.leased).toEqual([[false, ['WAIT', '1', '800']]])
    const resubscribed = jest.fn()
    await connection.subscribe(() => undefined, resubscribed)
    fake.emit('topology-change')
    expect(resubscribed).toHaveBeenCalledTimes(1)
  })
})

describe("the store's commands and node-redis's own timer", () => {
  // node-redis's timer drops a command that is still unsent when it fires (its offline queue): the store sets it to
  // its own timeout for a client that can queue, so a command it refused never runs once the connection is back, and
  // turns it off (timeout 0) only where nothing waits unsent. Real clients, never connected: only the views are read.
  const { createClient, createCluster } = jest.requireActual<typeof import('redis')>('redis')
  const viewOf = (client: object) => {
    const spy = jest.spyOn(client as { withCommandOptions: (o: object) => unknown }, 'withCommandOptions')
    return () => spy.mock.calls.map(([options]) => options)
  }

  it.each([
    ['an app client with an offline queue (the default)', {}, 700],
    ['an app client without one', { disableOfflineQueue: true }, 0],
  ])('gives %s the timeout %s', (_what, options, timeout) => {
    const client = createClient({ url: 'redis://127.0.0.1:1', ...options })
    const views = viewOf(client)
    given(client, CHANNEL, 700)
    expect(views()).toEqual([{ timeout }])
  })

  it("keeps a Cluster client's timer at the store's timeout, and leaves a client alone without one", () => {
    const cluster = createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:1' }] })
    const views = viewOf(cluster)
    given(cluster, CHANNEL, 700)
    expect(views()).toEqual([{ timeout: 700 }])
    const client = createClient({ url: 'redis://127.0.0.1:1' })
    const untouched = viewOf(client)
    given(client, CHANNEL)
    expect(untouched()).toEqual([])
  })
})

describe('isRefusal()', () => {
  it.each([
    ['WRONGPASS', new Error('WRONGPASS invalid username-password pair'), true],
    ['NOPERM, wrapped by the reconnect strategy', new Error('gave up', { cause: new Error('NOPERM no rights') }), true],
    ['NOAUTH', new Error('NOAUTH Authentication required.'), true],
    ['a refused connection', new Error('connect ECONNREFUSED 127.0.0.1:6379'), false],
    ['a timeout', new Error('createRedisStore: Redis did not answer in time'), false],
    ['a string', 'WRONGPASS', false],
  ])('%s', (_what, err, refusal) => {
    expect(isRefusal(err)).toBe(refusal)
  })
})

describe('ownConnection()', () => {
  it('makes a client of the URL without connecting, and closes it', async () => {
    const connection = ownConnection('redis://127.0.0.1:1', CHANNEL)
    expect(Object.keys(connection).sort()).toEqual(['close', 'connect', 'pinned', 'send', 'subscribe'])
    await expect(connection.send('key', ['PING'])).rejects.toThrow()
    await connection.close()
  })
})
