// createRedisStore's own logic, with stand-in clients that record what it sends and answer as told: which call each
// kind of node-redis client gets, loads in pages that keep what arrives meanwhile, numbered messages that reveal a
// gap, `ready`, and waitForReplicas. The real Redis, Cluster, Sentinel and Valkey are in engines/redis*.engine.ts.
import { createRedisStore } from 'express-signed-url'

// Canonical signatures: 43 characters, the last one carrying no stray bits.
const SIG = `${'S'.repeat(42)}A`
type Reply = (args: string[]) => unknown

// A stand-in of node-redis's standalone client: `reply` answers each command (a promise, or a value), and the
// subscriber (its duplicate) hands its listener to the test.
function fakeStandalone(reply: Reply) {
  const sent: string[][] = []
  let listener: ((message: string) => void) | undefined
  const events = new Map<string, ((...args: never[]) => void)[]>()
  const client = {
    isOpen: false,
    isReady: false,
    connect: () => {
      client.isOpen = client.isReady = true
      return Promise.resolve()
    },
    sendCommand: (args: string[]) => {
      sent.push(args)
      try {
        return Promise.resolve(reply(args))
      } catch (err) {
        return Promise.reject(err as Error)
      }
    },
    subscribe: (_channel: string, l: (message: string) => void) => {
      listener = l
      return Promise.resolve()
    },
    duplicate: () => client,
    on: (event: string, fn: (...args: never[]) => void) => {
      events.set(event, [...(events.get(event) ?? []), fn])
      return client
    },
    destroyed: 0,
    destroy: () => {
      client.destroyed++
      client.isOpen = client.isReady = false
    },
  }
  return {
    client,
    sent,
    deliver: (message: string) => listener?.(message),
    emit: (event: string) => events.get(event)?.forEach((fn) => fn()),
  }
}

// A stand-in of node-redis's Cluster client: records each call (key, isReadonly, args), answers ZSCAN with an empty
// set and anything else with 1, and hands the test its pub/sub listener and its 'node-ready' listeners.
function fakeCluster() {
  const calls: [string | undefined, boolean | undefined, string[]][] = []
  let listener: ((message: string) => void) | undefined
  const nodeReady: ((...args: never[]) => void)[] = []
  const client = {
    isOpen: true,
    isReady: true,
    masters: [],
    nodeClient: () => undefined,
    connect: () => Promise.resolve(),
    sendCommand: (key: string | undefined, readonly: boolean | undefined, args: string[]) => {
      calls.push([key, readonly, args])
      return Promise.resolve(args[0] === 'ZSCAN' ? ['0', []] : 1)
    },
    subscribe: (_channel: string, l: (message: string) => void) => {
      listener = l
      return Promise.resolve()
    },
    unsubscribe: () => Promise.resolve(),
    on: (event: string, fn: (...args: never[]) => void) => {
      if (event === 'node-ready') nodeReady.push(fn)
      return client
    },
  }
  return { client, calls, deliver: (m: string) => listener?.(m), nodeReady: () => nodeReady.forEach((fn) => fn()) }
}

// A take's EVALSHA: sha, one key, eight arguments.
const isTake = (args: string[]) => args[0] === 'EVALSHA' && args.length === 12
// What the store's scripts answer, by the script's own words: a take fits (ticket 1), a settle and a heartbeat are
// done.
const scripts: Reply = (args) => {
  if (args[0] === 'ZSCAN') return ['0', []]
  if (args[0] === 'WAIT') return 1
  return 1
}
// One use of three, as requireSignature asks it.
const ONE = { amount: 1, limit: 3, resend: 0, start: 0, end: 0, size: 0 }

const flush = () => new Promise((resolve) => setImmediate(resolve))
const message = (seq: number, body: object) => JSON.stringify({ seq, ...body })

// A store on `fake`, ready: subscribed, then a first numbered message heard (number `seq`), and loaded.
async function readyStore(fake: ReturnType<typeof fakeStandalone>, options: object = {}, seq = 1) {
  const store = createRedisStore({ client: fake.client, ...options })
  await flush()
  fake.deliver(message(seq, { heartbeat: 'x' }))
  await store.ready
  return store
}

describe('createRedisStore with each kind of node-redis client', () => {
  it('sends a Cluster client its command with the key that routes it', async () => {
    const cluster = fakeCluster()
    const store = createRedisStore({ client: cluster.client })
    await expect(store.take(SIG, ONE, 9e9)).resolves.toBe(1)
    const spend = cluster.calls.find(([, , args]) => args[0] === 'EVALSHA' && args[3].includes('uses'))
    expect(spend?.slice(0, 2)).toEqual([`signed-url:uses:${SIG}`, false])
    await store.close()
  })

  it('sends a Sentinel client its command as (isReadonly, args), and holds a lease for WAIT', async () => {
    const calls: unknown[][] = []
    const leased: string[][] = []
    const sentinel = {
      isOpen: true,
      isReady: true,
      connect: () => Promise.resolve(),
      getSentinelNode: () => undefined,
      sendCommand: (...call: unknown[]) => {
        calls.push(call)
        return Promise.resolve(1)
      },
      use: <T>(fn: (lease: { sendCommand(r: boolean | undefined, args: string[]): Promise<unknown> }) => Promise<T>) =>
        fn({
          sendCommand: (_r, args) => {
            leased.push(args)
            return Promise.resolve(1)
          },
        }),
      subscribe: () => Promise.resolve(),
      unsubscribe: () => Promise.resolve(),
      on: () => sentinel,
    }
    const store = createRedisStore({ client: sentinel, waitForReplicas: 1 })
    await expect(store.take(SIG, ONE, 9e9)).resolves.toBe(1)
    expect(leased.map((args) => args[0])).toEqual(['EVALSHA', 'WAIT'])
    await store.settle(SIG, 1, ONE, 0)
    expect(calls.at(-1)?.[0]).toBe(false)
    await store.close()
  })

  it('refuses, with a TypeError at construction, a client of no kind it knows (a pool, another library)', () => {
    const pool = { sendCommand: () => Promise.resolve(), execute: () => Promise.resolve() }
    expect(() => createRedisStore({ client: pool as never })).toThrow(
      /"client" must be a node-redis v6 client \(createClient, createCluster or createSentinel\)/,
    )
    const ioredisLike = { ...pool, connect: () => Promise.resolve(), subscribe: () => Promise.resolve(), on: () => 0 }
    expect(() => createRedisStore({ client: ioredisLike as never })).toThrow(TypeError)
  })
})

describe('createRedisStore: loads and messages', () => {
  it('loads the set in pages and keeps a revocation that arrives while a page is on its way', async () => {
    let held: ((value: unknown) => void) | undefined
    const member = (n: number) => JSON.stringify({ signature: `${n}`.padEnd(43, 'A'), until: 9e9 })
    const fake = fakeStandalone((args) => {
      if (args[0] !== 'ZSCAN') return scripts(args)
      // Two pages; the second is held until the test lets it go.
      if (args[2] === '0') return ['7', [member(1), '9e9', '#seq', '-3']]
      return new Promise((resolve) => (held = resolve))
    })
    const store = createRedisStore({ client: fake.client })
    await flush()
    fake.deliver(message(1, { heartbeat: 'someone' }))
    await flush()
    expect(fake.sent.filter((a) => a[0] === 'ZSCAN').map((a) => [a[2], a[4]])).toEqual([
      ['0', '1000'],
      ['7', '1000'],
    ])
    // Published after Redis read the second page, heard before its reply: kept.
    const late = `${'L'.repeat(42)}A`
    fake.deliver(message(2, { signature: late, until: 9e9 }))
    held?.(['0', [member(2), '9e9']])
    await store.ready
    const stored = (signature: string) => ({ path: 'a.png', expiresAt: 9e9, signature })
    expect([member(1), member(2)].map((m) => store.revoked(stored(JSON.parse(m).signature)))).toEqual([true, true])
    expect(store.revoked(stored(late))).toBe(true)
    expect(store.current).toBe(true)
    await store.close()
  })

  it('loads again when a number is skipped (messages were lost), and not otherwise', async () => {
    const fake = fakeStandalone(scripts)
    const store = await readyStore(fake, {}, 5)
    const loads = () => fake.sent.filter((a) => a[0] === 'ZSCAN').length
    expect(loads()).toBe(1)
    fake.deliver(message(6, { heartbeat: 'x' }))
    await flush()
    expect(loads()).toBe(1)
    fake.deliver(message(8, { heartbeat: 'x' }))
    await flush()
    expect(loads()).toBe(2)
    // A Redis that restarted empty counts from 1 again: a gap too.
    fake.deliver(message(1, { heartbeat: 'x' }))
    await flush()
    expect(loads()).toBe(3)
    await store.close()
  })

  it('waits, in `ready`, for a Redis that is slow to come, and rejects it only for refused credentials', async () => {
    let attempts = 0
    const fake = fakeStandalone(scripts)
    fake.client.connect = () => {
      attempts++
      if (attempts < 3) return Promise.reject(new Error('connect ECONNREFUSED'))
      fake.client.isOpen = true
      return Promise.resolve()
    }
    jest.useFakeTimers({ doNotFake: ['setImmediate'] })
    const store = createRedisStore({ client: fake.client, timeout: 50 })
    let settled = false
    void store.ready.then(() => (settled = true))
    // Retried after 100 and 200 ms: connected on the third attempt, far past the 50 ms timeout.
    await jest.advanceTimersByTimeAsync(350)
    jest.useRealTimers()
    expect([attempts, settled]).toEqual([3, false])
    fake.deliver(message(1, { heartbeat: 'x' }))
    await store.ready
    expect(attempts).toBe(3)
    await store.close()

    const refused = fakeStandalone(scripts)
    refused.client.connect = () =>
      Promise.reject(new Error('reconnect gave up', { cause: new Error('WRONGPASS invalid username-password pair') }))
    const refusedStore = createRedisStore({ client: refused.client })
    await expect(refusedStore.ready).rejects.toThrow(/gave up/)
    await refusedStore.close()
  })

  it('with waitForReplicas, counts a use only once WAIT confirms it: refused (rejects) otherwise', async () => {
    let replicas = 0
    const fake = fakeStandalone((args) => (args[0] === 'WAIT' ? replicas : scripts(args)))
    const store = createRedisStore({ client: fake.client, waitForReplicas: 1, timeout: 500 })
    await expect(store.take(SIG, ONE, 9e9)).rejects.toThrow(/0 of 1 replicas/)
    const wait = fake.sent.find((a) => a[0] === 'WAIT')
    expect(wait).toEqual(['WAIT', '1', '400'])
    // Refused, and never given back: a refund sent later might reach a replica, promoted meanwhile, that never had
    // the spend, and take back a use spent there before (served 4 of 3, found by review). Its hold is settled as
    // sent in full (kept = amount), so it stands in no other request's way as a running response would.
    await flush()
    const onKey = () => fake.sent.filter((a) => a[0] === 'EVALSHA' && a[3] === `signed-url:uses:${SIG}`)
    expect(onKey()).toHaveLength(2)
    const [ticket, amount, kept] = onKey()[1].slice(4, 7)
    expect([ticket, amount, kept]).toEqual(['1', '1', '1'])
    replicas = 1
    await expect(store.take(SIG, ONE, 9e9)).resolves.toBe(1)
    // A revocation not confirmed rejects (the caller learns it may not survive a failover), yet holds here.
    replicas = 0
    const link = `/a.png?expiry=9000000000&method=get&signature=${SIG}`
    await expect(store.revoke(link)).rejects.toThrow(/replicas/)
    expect(store.revoked({ path: 'a.png', expiresAt: 9e9, signature: SIG })).toBe(true)
    // A check that holds nothing, and a settle, wait for no replica.
    const before = fake.sent.filter((a) => a[0] === 'WAIT').length
    await store.take(SIG, { ...ONE, amount: 0 }, 9e9)
    await store.settle(SIG, 1, ONE, 0)
    expect(fake.sent.filter((a) => a[0] === 'WAIT').length).toBe(before)
    await store.close()
  })
})

describe('createRedisStore: what review found', () => {
  it('reads replies mapped to Buffers, and numbers mapped to strings (typeMapping), as node-redis gives them', async () => {
    const member = Buffer.from(JSON.stringify({ signature: SIG, until: 9e9 }))
    const fake = fakeStandalone((args) => {
      if (args[0] === 'ZSCAN') return [Buffer.from('0'), [member, Buffer.from('9e9')]]
      if (args[0] === 'WAIT') return '1'
      return isTake(args) ? Buffer.from('1') : '1'
    })
    const store = await readyStore(fake, { waitForReplicas: 1 })
    expect(store.revoked({ path: 'a.png', expiresAt: 9e9, signature: SIG })).toBe(true)
    await expect(store.take(SIG, ONE, 9e9)).resolves.toBe(1)
    await store.close()
  })

  it('is behind at once when its subscription reconnects (strictRevocation refuses), and loads again', async () => {
    const fake = fakeStandalone(scripts)
    const store = await readyStore(fake)
    expect(store.current).toBe(true)
    fake.emit('ready')
    expect(store.current).toBe(false)
    const loads = fake.sent.filter((a) => a[0] === 'ZSCAN').length
    fake.deliver(message(2, { heartbeat: 'x' }))
    await flush()
    expect(fake.sent.filter((a) => a[0] === 'ZSCAN').length).toBe(loads + 1)
    expect(store.current).toBe(true)
    await store.close()
  })

  it('rejects `ready` when Redis refuses the rights it needs (NOPERM on ZSCAN), and when closed before it', async () => {
    const denied = fakeStandalone((args) => {
      if (args[0] === 'ZSCAN') throw new Error("NOPERM User signed-url has no permissions to run the 'zscan' command")
      return 1
    })
    const store = createRedisStore({ client: denied.client })
    await flush()
    denied.deliver(message(1, { heartbeat: 'x' }))
    await expect(store.ready).rejects.toThrow(/NOPERM/)
    await store.close()

    // Closed while connecting: the connection that comes up after is closed too, and `ready` says why.
    let connected: () => void = () => undefined
    const slow = fakeStandalone(scripts)
    slow.client.connect = () =>
      new Promise<void>((resolve) => {
        connected = () => {
          slow.client.isOpen = slow.client.isReady = true
          resolve()
        }
      })
    const closing = createRedisStore({ client: slow.client })
    await flush()
    const closed = closing.close()
    await expect(closing.ready).rejects.toThrow(/closed before it was ready/)
    // close() waits for nothing under way (a step may pause on a timer that holds no process open).
    await closed
    connected()
    await flush()
    expect([slow.client.isOpen, slow.client.destroyed > 0]).toEqual([false, true])
  })

  it('refuses to revoke a folder too long for a message (every process would ignore it)', async () => {
    const fake = fakeStandalone(scripts)
    const store = await readyStore(fake)
    await expect(store.revokeFolder(`/${'a'.repeat(70_000)}/`)).rejects.toThrow(/the folder is too long/)
    await store.close()
  })

  it('is behind when a Cluster node (re)connects, the one it listens on among them', async () => {
    const cluster = fakeCluster()
    const store = createRedisStore({ client: cluster.client })
    await flush()
    cluster.deliver(message(1, { heartbeat: 'x' }))
    await store.ready
    expect(store.current).toBe(true)
    cluster.nodeReady()
    expect(store.current).toBe(false)
    await store.close()
  })

  it('takes no message longer than 64 KiB for one of its own (parsing it would block)', async () => {
    const fake = fakeStandalone(scripts)
    const store = await readyStore(fake)
    const padded = JSON.stringify({ seq: 2, signature: SIG, until: 9e9, pad: 'x'.repeat(70_000) })
    fake.deliver(padded)
    expect(store.revoked({ path: 'a.png', expiresAt: 9e9, signature: SIG })).toBe(false)
    await store.close()
  })
})

describe('the Redis store when Redis stops answering (a client that never replies)', () => {
  afterEach(() => jest.useRealTimers())

  it('refuses in time, and keeps no more than 1000 commands waiting however many time out', async () => {
    jest.useFakeTimers()
    let sent = 0
    const silent = {
      isOpen: true,
      isReady: true,
      sendCommand: () => {
        sent++
        return new Promise<never>(() => undefined)
      },
      duplicate: () => silent,
      connect: () => Promise.resolve(),
      subscribe: () => Promise.resolve(),
      on: () => silent,
    }
    const store = createRedisStore({ client: silent, timeout: 50 })
    await Promise.resolve()
    const attempts = Array.from({ length: 1200 }, () =>
      store.take('A'.repeat(43), ONE, 9e9).then(
        () => 'spent',
        (e: Error) => e.message,
      ),
    )
    await jest.advanceTimersByTimeAsync(60)
    const outcomes = await Promise.all(attempts)
    // Every one answered (never a hang): timed out, or refused at once past the bound.
    expect(
      outcomes.filter((o) => /did not answer in time/.test(o)).length +
        outcomes.filter((o) => /too many/.test(o)).length,
    ).toBe(1200)
    expect(sent).toBeLessThanOrEqual(1000)
    // Timed out, yet still waiting in the client's queue: the bound holds after the timers too.
    const before = sent
    await expect(store.take('B'.repeat(43), ONE, 9e9)).rejects.toThrow(/too many commands waiting/)
    expect(sent).toBe(before)
  })
})
