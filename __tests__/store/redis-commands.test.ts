// How the Redis store sends: scripts by their SHA-1 and whole once Redis lacks them, every command bounded in time
// and in number waiting, and durable writes confirmed by WAIT on the connection that made them.
import { createHash } from 'node:crypto'
import { RENEW, SETTLE, TAKE } from '../../lib/store/redis-budget-scripts'
import { redisCommands, withTimeout } from '../../lib/store/redis-commands'
import type { Connection, Send } from '../../lib/store/redis-connection'
import { BEAT, REVOKE } from '../../lib/store/redis-revocation-scripts'

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex')

// A connection whose commands `reply` answers; `pinned` steps are recorded apart.
function fakeConnection(reply: (args: string[]) => unknown) {
  const sent: string[][] = []
  const pinnedSent: string[][] = []
  const answer =
    (log: string[][]): Send =>
    (_key, args) => {
      log.push(args)
      try {
        return Promise.resolve(reply(args))
      } catch (err) {
        return Promise.reject(err as Error)
      }
    }
  const connection: Connection = {
    send: answer(sent),
    pinned: (_key, steps) => steps(answer(pinnedSent)),
    connect: () => Promise.resolve(),
    subscribe: () => Promise.resolve(),
    close: () => Promise.resolve(),
  }
  return { connection, sent, pinnedSent }
}

describe('redisCommands()', () => {
  afterEach(() => jest.useRealTimers())

  it.each([
    ['TAKE', TAKE],
    ['SETTLE', SETTLE],
    ['RENEW', RENEW],
    ['REVOKE', REVOKE],
    ['BEAT', BEAT],
  ])('runs %s by the SHA-1 of its text, with its keys and arguments', async (_name, body) => {
    const { connection, sent } = fakeConnection(() => 1)
    const { command, script } = redisCommands(connection, 1000, 0)
    await script(command, body, ['k1', 'k2'], ['a'])
    expect(sent).toEqual([['EVALSHA', sha1(body), '2', 'k1', 'k2', 'a']])
  })

  it('sends the script whole once Redis says it lacks it, and passes on any other error', async () => {
    const { connection, sent } = fakeConnection((args) => {
      if (args[0] === 'EVALSHA') throw new Error('NOSCRIPT No matching script')
      return 'ok'
    })
    const { command, script } = redisCommands(connection, 1000, 0)
    expect(await script(command, RENEW, ['k'], ['1'])).toBe('ok')
    expect(sent[1]).toEqual(['EVAL', RENEW, '1', 'k', '1'])
    const failing = fakeConnection(() => {
      throw new Error('NOPERM no rights')
    })
    const commands = redisCommands(failing.connection, 1000, 0)
    await expect(commands.script(commands.command, RENEW, ['k'], [])).rejects.toThrow(/NOPERM/)
    expect(failing.sent).toHaveLength(1)
  })

  it('refuses a command at once while 1000 wait, and times each out', async () => {
    jest.useFakeTimers()
    const { connection, sent } = fakeConnection(() => new Promise(() => undefined))
    const { command } = redisCommands(connection, 50, 0)
    const waiting = Array.from({ length: 1000 }, () => command('k', ['GET', 'k']).catch((e: Error) => e.message))
    await expect(command('k', ['GET', 'k'])).rejects.toThrow(/too many commands waiting/)
    expect(sent).toHaveLength(1000)
    await jest.advanceTimersByTimeAsync(50)
    expect(new Set(await Promise.all(waiting))).toEqual(new Set(['createRedisStore: Redis did not answer in time']))
  })

  it('without replicas, runs a durable write as a plain script, with no WAIT', async () => {
    const { connection, sent, pinnedSent } = fakeConnection(() => 1)
    await redisCommands(connection, 1000, 0).durable(REVOKE, ['s', 's'], ['x'])
    expect([sent.map((a) => a[0]), pinnedSent]).toEqual([['EVALSHA'], []])
  })

  it('with replicas, WAITs on the same connection, and refuses a write they did not confirm', async () => {
    let replicas = 2
    const { connection, pinnedSent } = fakeConnection((args) => (args[0] === 'WAIT' ? replicas : 7))
    const { durable } = redisCommands(connection, 1000, 2)
    expect(await durable(TAKE, ['k'], [])).toBe(7)
    expect(pinnedSent.map((a) => a.slice(0, 3))).toEqual([
      ['EVALSHA', sha1(TAKE), '1'],
      ['WAIT', '2', '800'],
    ])
    replicas = 1
    const unconfirmed = jest.fn()
    await expect(durable(TAKE, ['k'], [], () => true, unconfirmed)).rejects.toThrow(
      /1 of 2 replicas confirmed the write in time/,
    )
    expect(unconfirmed).toHaveBeenCalledWith(7)
  })

  it('with replicas, does not WAIT for a reply that wrote nothing', async () => {
    const { connection, pinnedSent } = fakeConnection(() => 'spent')
    const { durable } = redisCommands(connection, 1000, 1)
    expect(await durable(TAKE, ['k'], [], (reply) => typeof reply === 'number')).toBe('spent')
    expect(pinnedSent.map((a) => a[0])).toEqual(['EVALSHA'])
  })
})

describe('withTimeout()', () => {
  afterEach(() => jest.useRealTimers())

  it('gives the promise’s value, or rejects once the time has passed', async () => {
    jest.useFakeTimers()
    await expect(withTimeout(Promise.resolve(3), 10)).resolves.toBe(3)
    let message: string | undefined
    withTimeout(new Promise(() => undefined), 10).catch((e: Error) => (message = e.message))
    await jest.advanceTimersByTimeAsync(9)
    expect(message).toBeUndefined()
    await jest.advanceTimersByTimeAsync(1)
    expect(message).toBe('createRedisStore: Redis did not answer in time')
  })
})
