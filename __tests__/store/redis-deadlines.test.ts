// How the Redis store bounds its commands: deadlines kept by one timer (each command refused once its time has
// passed without an answer, never before), and the store on a Redis that stops answering refusing within its
// timeout, through a guard and through a real node-redis client whose own per-command timer it turns off.
import http from 'node:http'
import net from 'node:net'
import { createClient } from 'redis'
import { createRedisStore, createSigner, requireSignature, type SignedUrlError } from 'express-signed-url'
import { TAKE } from '../../lib/store/redis-budget-scripts'
import { redisCommands } from '../../lib/store/redis-commands'
import { given } from '../../lib/store/redis-connection'
import { Deadlines } from '../../lib/store/redis-deadlines'
import { KEY, NOW_MS, recordingResponse } from '../support/helpers'

const LATE = 'createRedisStore: Redis did not answer in time'

describe('Deadlines', () => {
  afterEach(() => jest.useRealTimers())

  it('tells a command it is late once its time has passed without an answer, never before, and once', () => {
    jest.useFakeTimers()
    const deadlines = new Deadlines(100)
    const late = jest.fn()
    deadlines.start(late)
    jest.advanceTimersByTime(99)
    expect(late).not.toHaveBeenCalled()
    jest.advanceTimersByTime(1)
    expect(late.mock.calls.map(([err]) => (err as Error).message)).toEqual([LATE])
    jest.advanceTimersByTime(1000)
    expect(late).toHaveBeenCalledTimes(1)
    expect(deadlines.size).toBe(0)
  })

  it('tells nothing to a command answered in time, and lets it go', () => {
    jest.useFakeTimers()
    const deadlines = new Deadlines(100)
    const late = jest.fn()
    const answered = Array.from({ length: 5 }, () => deadlines.start(late))
    for (const deadline of answered) deadlines.done(deadline)
    expect(deadlines.size).toBe(0)
    jest.advanceTimersByTime(500)
    expect(late).not.toHaveBeenCalled()
  })

  it('keeps each command’s own time with one timer, behind an answered first and an unanswered one', () => {
    jest.useFakeTimers()
    const timers = jest.spyOn(globalThis, 'setTimeout')
    const deadlines = new Deadlines(100)
    const told: string[] = []
    const first = deadlines.start(() => told.push('first'))
    jest.advanceTimersByTime(30)
    deadlines.start(() => told.push('second'))
    jest.advanceTimersByTime(30)
    const third = deadlines.start(() => told.push('third'))
    deadlines.done(first)
    // The timer armed for the first fires at 100 and finds nothing due; the second is due at 130, the third at 160.
    jest.advanceTimersByTime(69)
    expect(told).toEqual([])
    jest.advanceTimersByTime(1)
    expect(told).toEqual(['second'])
    deadlines.done(third)
    jest.advanceTimersByTime(100)
    expect(told).toEqual(['second'])
    // Not one per command: the first armed it, and each firing armed it at most once more.
    expect(timers.mock.calls.length).toBeLessThanOrEqual(3)
    timers.mockRestore()
  })

  it('arms one timer for a thousand commands started together, and tells each of them', () => {
    jest.useFakeTimers()
    const timers = jest.spyOn(globalThis, 'setTimeout')
    const deadlines = new Deadlines(50)
    const late = jest.fn()
    for (let i = 0; i < 1000; i++) deadlines.start(late)
    expect(timers).toHaveBeenCalledTimes(1)
    jest.advanceTimersByTime(50)
    expect(late).toHaveBeenCalledTimes(1000)
    timers.mockRestore()
  })

  it('reads the clock it is given', () => {
    jest.useFakeTimers()
    let clock = 0
    const deadlines = new Deadlines(100, () => clock)
    const late = jest.fn()
    deadlines.start(late)
    // The timer fires, but the clock it was given says the time has not passed: armed again for what is left.
    clock = 60
    jest.advanceTimersByTime(100)
    expect(late).not.toHaveBeenCalled()
    clock = 100
    jest.advanceTimersByTime(40)
    expect(late).toHaveBeenCalledTimes(1)
  })
})

// A client that takes every command and never answers one (a Redis stopped with SIGSTOP, a dropped network).
function silentClient() {
  const sent: string[][] = []
  const client = {
    isOpen: true,
    isReady: true,
    sendCommand: (args: string[]) => {
      sent.push(args)
      return new Promise<never>(() => undefined)
    },
    duplicate: () => client,
    connect: () => Promise.resolve(),
    subscribe: () => Promise.resolve(),
    on: () => client,
  }
  return { client, sent }
}

describe('the Redis store on a Redis that never answers', () => {
  afterEach(() => jest.useRealTimers())

  it('has the guard refuse a limited-use link with 503 once the store’s timeout has passed, not before', async () => {
    jest.useFakeTimers({ now: NOW_MS })
    const { client, sent } = silentClient()
    const store = createRedisStore({ client, timeout: 200 })
    const refused: string[] = []
    const guard = requireSignature({
      signer: createSigner({ key: KEY, now: () => NOW_MS }),
      store,
      onReject: (err: SignedUrlError, _req, res) => {
        refused.push(`${err.status} ${err.code}`)
        res.end()
      },
    })
    const req = new http.IncomingMessage(new net.Socket())
    req.method = 'GET'
    req.url = createSigner({ key: KEY, now: () => NOW_MS }).sign('/private/once.zip', { uses: 1 })
    const served = jest.fn()
    guard(req, recordingResponse(req), served)
    await jest.advanceTimersByTimeAsync(199)
    expect(sent.some((args) => args[0] === 'EVALSHA')).toBe(true)
    expect(refused).toEqual([])
    await jest.advanceTimersByTimeAsync(1)
    expect(refused).toEqual(['503 ERR_STORE_UNAVAILABLE'])
    expect(served).not.toHaveBeenCalled()
  })

  it('refuses a take through a real node-redis client, whose own timer it does not start', async () => {
    // A server that answers what node-redis says on connecting, then nothing: the store's EVALSHA gets no answer.
    let heard: () => void = () => undefined
    const server = net.createServer((socket) =>
      socket.on('data', (chunk) => {
        const text = chunk.toString()
        if (text.includes('EVALSHA')) heard()
        else socket.write('+OK\r\n'.repeat(text.split('\r\n').filter((line) => line.startsWith('*')).length))
      }),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as net.AddressInfo
    const client = createClient({ url: `redis://127.0.0.1:${port}`, disableOfflineQueue: true })
    await client.connect()
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] })
    const timers = jest.spyOn(AbortSignal, 'timeout')
    // The store's connection and commands, as createRedisStore makes them (without its revocations' copy).
    const connection = given(client, 'signed-url:revocations', 300)
    const { command, script } = redisCommands(connection, 300, 0)
    const evalsha = new Promise<void>((resolve) => (heard = resolve))
    let outcome = 'waiting'
    script(command, TAKE, ['signed-url:uses:x'], ['1', '1', '0', '0', '0', '0', '9000000000', '1767225600']).then(
      () => (outcome = 'answered'),
      (err: Error) => (outcome = err.message),
    )
    await evalsha
    expect(timers).not.toHaveBeenCalled()
    await jest.advanceTimersByTimeAsync(299)
    expect(outcome).toBe('waiting')
    await jest.advanceTimersByTimeAsync(1)
    expect(outcome).toBe(LATE)
    timers.mockRestore()
    jest.useRealTimers()
    await connection.close()
    client.destroy()
    await new Promise((resolve) => server.close(resolve))
  })
})
