// The copy of the revocations kept current: loaded once the channel is heard, behind when a number is skipped, the
// heartbeat stops coming back or the subscription reconnects, and `ready` settled as createRedisStore documents.
import { encodeRevocation } from '../../lib/store/revocation'
import { RevocationSet } from '../../lib/store/revocation-set'
import type { RedisCommands } from '../../lib/store/redis-commands'
import type { Connection } from '../../lib/store/redis-connection'
import { MAX_MESSAGE, RedisRevocationCopy } from '../../lib/store/redis-revocation-copy'

const NOW = 1_800_000_000
const SIG = `${'S'.repeat(42)}A`
const HEARTBEAT = JSON.stringify({ heartbeat: '42.own' })
const flush = () => new Promise((resolve) => setImmediate(resolve))

// A copy on a stand-in connection: the test delivers messages and says what each ZSCAN finds.
function copyOn(set: string[] = []) {
  let listener: ((message: string) => void) | undefined
  let resubscribed: (() => void) | undefined
  const closed = jest.fn(() => Promise.resolve())
  const connection: Connection = {
    send: () => Promise.resolve(),
    pinned: (_key, steps) => steps(connection.send),
    connect: () => Promise.resolve(),
    subscribe: (l, r) => {
      listener = l
      resubscribed = r
      return Promise.resolve()
    },
    close: closed,
  }
  let scans = 0
  const beats: string[][] = []
  const commands: RedisCommands = {
    command: () => {
      scans++
      return Promise.resolve(['0', set.flatMap((member) => [member, '1'])])
    },
    script: (_send, _body, keys, args) => {
      beats.push([...keys, ...args])
      return Promise.resolve(1)
    },
    durable: () => Promise.resolve(1),
  }
  const revocations = new RevocationSet(() => NOW)
  const copy = new RedisRevocationCopy({
    connection,
    commands,
    revocations,
    setKey: 'p:revocations',
    channel: 'p:revocations',
    timeout: 100,
    heartbeat: HEARTBEAT,
  })
  return {
    copy,
    revocations,
    closed,
    beats,
    scans: () => scans,
    deliver: (message: object | string) => listener?.(typeof message === 'string' ? message : JSON.stringify(message)),
    resubscribe: () => resubscribed?.(),
  }
}

describe('RedisRevocationCopy', () => {
  afterEach(() => jest.useRealTimers())

  it('subscribes, beats once, and loads the set at the first numbered message: then ready and current', async () => {
    const c = copyOn([encodeRevocation({ signature: SIG, until: NOW + 100 })])
    await flush()
    expect(c.beats).toEqual([['p:revocations', 'p:revocations', HEARTBEAT]])
    expect([c.copy.current, c.scans()]).toEqual([false, 0])
    c.deliver({ seq: 1, heartbeat: '42.own' })
    await c.copy.ready
    expect([c.copy.current, c.scans()]).toEqual([true, 1])
    expect(c.revocations.has({ path: 'a.png', expiresAt: NOW + 60, signature: SIG })).toBe(true)
    await c.copy.close()
  })

  it('adds a revocation it hears, and ignores a message too long to be one of ours', async () => {
    const c = copyOn()
    await flush()
    c.deliver({ seq: 1, heartbeat: 'x' })
    await c.copy.ready
    c.deliver({ seq: 2, signature: SIG, until: NOW + 100 })
    c.deliver(JSON.stringify({ seq: 3, folder: '', issuedBefore: NOW, until: NOW + 100 }).padEnd(MAX_MESSAGE + 1))
    expect(c.revocations.size).toBe(1)
    await c.copy.close()
  })

  it('is behind when a number is skipped, and loads again at the next message', async () => {
    const c = copyOn()
    await flush()
    c.deliver({ seq: 1, heartbeat: 'x' })
    await c.copy.ready
    c.deliver({ seq: 2, heartbeat: 'x' })
    expect([c.copy.current, c.scans()]).toEqual([true, 1])
    c.deliver({ seq: 4, heartbeat: 'x' })
    expect(c.copy.current).toBe(false)
    await flush()
    expect([c.copy.current, c.scans()]).toEqual([true, 2])
    await c.copy.close()
  })

  it('is behind at once when the subscription reconnects, and beats to find out when it hears again', async () => {
    const c = copyOn()
    await flush()
    c.deliver({ seq: 1, heartbeat: 'x' })
    await c.copy.ready
    c.resubscribe()
    expect([c.copy.current, c.beats.length]).toEqual([false, 2])
    c.deliver({ seq: 2, heartbeat: '42.own' })
    await flush()
    expect(c.copy.current).toBe(true)
    await c.copy.close()
  })

  it('is behind once its own heartbeat has not come back for timeout + 1 s', async () => {
    jest.useFakeTimers()
    const c = copyOn()
    await jest.advanceTimersByTimeAsync(0)
    c.deliver({ seq: 1, heartbeat: '42.own' })
    await c.copy.ready
    // Others' heartbeats keep the numbers in turn, but only this process's own says it still hears.
    await jest.advanceTimersByTimeAsync(1000)
    c.deliver({ seq: 2, heartbeat: '7.other' })
    expect(c.copy.current).toBe(true)
    await jest.advanceTimersByTimeAsync(101)
    expect(c.copy.current).toBe(false)
    await c.copy.close()
  })

  it('rejects `ready` when closed before it; closing again does nothing', async () => {
    const c = copyOn()
    await c.copy.close()
    await expect(c.copy.ready).rejects.toThrow(/closed before it was ready/)
    await flush()
    // Once by close(), once more by the subscription for the connection that came up after it.
    expect(c.closed).toHaveBeenCalledTimes(2)
    await c.copy.close()
    expect(c.closed).toHaveBeenCalledTimes(2)
  })
})
