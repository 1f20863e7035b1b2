// Limited-use links at signedStatic, with clients that cut responses off: a use is charged for what was sent, a
// request re-asking bytes a cut-off response may have lost is credited for them, a request that only running
// responses stand in the way of waits and then gets 503, and no sequence of requests gets more than the bound.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { createMemoryStore, createSigner, signedStatic, type LinkStore } from 'express-signed-url'
import { frameworks, KEY, listen, NOW_MS, recordCode, sendTo, type TestServer } from '../support/helpers'
import { rawGet } from '../support/raw-client'
import { RESEND_BYTES } from '../../lib/store/use-budget'

const now = () => NOW_MS
const signer = createSigner({ key: KEY, now })
// Larger than a loopback connection's buffers (a client that stops reading cannot make it finish), and small ones.
const BIG = randomBytes(24 * 1024 * 1024)
const SMALL = randomBytes(48 * 1024)
let dir: string
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'use-counting-'))
  writeFileSync(path.join(dir, 'big.bin'), BIG)
  writeFileSync(path.join(dir, 'small.bin'), SMALL)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// The most a link of `uses` on a file of `size` bytes may send: N x size x 1.001, plus N x min(2 x size, 64 MiB)
// re-sent after cut-offs.
const bound = (uses: number, size: number) => uses * size * 1.001 + uses * Math.min(2 * size, RESEND_BYTES)

// Resolves when `store` first answers a take with 'held' (a request then waits for running responses).
function firstHeld(store: LinkStore): Promise<void> {
  const take = store.take.bind(store)
  return new Promise((resolve) => {
    store.take = async (...args) => {
      const answer = await take(...args)
      if (answer === 'held') resolve()
      return answer
    }
  })
}

describe.each(frameworks)('limited-use links and cut-off responses on $name', (fw) => {
  let store: LinkStore
  let server: TestServer
  // Resolves when the next response the app finishes has finished.
  let finished: () => Promise<void>
  beforeEach(async () => {
    store = createMemoryStore({ now })
    const app = fw.create()
    let onFinish: (() => void) | undefined
    finished = () => new Promise((resolve) => (onFinish = resolve))
    app.use((_req: IncomingMessage, res: ServerResponse, next: () => void) => {
      res.once('finish', () => onFinish?.())
      next()
    })
    app.use('/files', signedStatic(dir, { signer, store, onReject: recordCode }))
    server = await listen(app as never)
  })
  afterEach(() => server.close())

  it('completes a download cut off and resumed where the client stopped, then refuses a second with 410', async () => {
    const link = signer.sign('files/big.bin', { uses: 1 })
    const [first] = await rawGet(server.port, link, { keep: 1024 * 1024 })
    expect(first.status).toBe(200)
    expect(first.body.length).toBeLessThan(BIG.length)
    const rest = await server.send(link, { headers: { Range: `bytes=${first.body.length}-` } })
    expect(rest.status).toBe(206)
    expect(Buffer.concat([first.body, rest.body]).equals(BIG)).toBe(true)
    const again = await server.send(link)
    expect([again.status, again.headers['x-test-refusal']]).toEqual([410, 'ERR_USES_EXHAUSTED'])
  })

  it('credits a response that finished but was reset unread (a player seeking elsewhere), once', async () => {
    const link = signer.sign('files/small.bin', { uses: 1 })
    const [unread] = await rawGet(server.port, link, { unread: finished() })
    expect(unread).toBeUndefined()
    const whole = await server.send(link)
    expect(whole.status).toBe(200)
    expect(whole.body.equals(SMALL)).toBe(true)
    expect((await server.send(link)).status).toBe(410)
  })

  it('charges a response read to its end, however the connection closes after', async () => {
    const link = signer.sign('files/small.bin', { uses: 1 })
    // Read, then a second request on the same connection, then a reset: the first was read.
    const replies = await rawGet(server.port, [link, link.replace('files/small.bin', 'files/none.bin')])
    expect(replies.map((r) => r.status)).toEqual([200, 403])
    // A thousandth of the file is left for rounding: more is refused.
    expect((await server.send(link, { headers: { Range: 'bytes=0-999' } })).status).toBe(410)
  })

  it('makes a request wait while another response holds the budget, and serves it once that one is cut off', async () => {
    const link = signer.sign('files/big.bin', { uses: 1 })
    let release!: () => void
    const holder = rawGet(server.port, link, { unread: new Promise<void>((resolve) => (release = resolve)) })
    // The second request is answered 'held' (it waits) until the first is cut off.
    const held = firstHeld(store)
    // More than the thousandth of a use left for rounding.
    const waiting = server.send(link, { headers: { Range: 'bytes=0-99999' } })
    await held
    release()
    await holder
    const r = await waiting
    expect(r.status).toBe(206)
    expect(r.body.equals(BIG.subarray(0, 100_000))).toBe(true)
  })
})

describe('a request whose client goes away early', () => {
  it('holds nothing when the client resets while the store answers: the link is not locked', async () => {
    const store = createMemoryStore({ now })
    const take = store.take.bind(store)
    const settle = store.settle.bind(store)
    let open!: () => void
    const gate = new Promise<void>((resolve) => (open = resolve))
    let asked!: () => void
    const askedOnce = new Promise<void>((resolve) => (asked = resolve))
    let gated = true
    const settled: number[] = []
    store.take = async (...args) => {
      if (gated) {
        gated = false
        asked()
        await gate
      }
      return take(...args)
    }
    store.settle = async (...args) => {
      settled.push(args[1])
      return settle(...args)
    }
    const app = frameworks[1].create()
    let closed!: () => void
    const closedOnce = new Promise<void>((resolve) => (closed = resolve))
    app.use((_req: IncomingMessage, res: ServerResponse, next: () => void) => {
      res.once('close', () => closed())
      next()
    })
    app.use('/files', signedStatic(dir, { signer, store, onReject: recordCode }))
    const server = await listen(app as never)
    try {
      const link = signer.sign('files/small.bin', { uses: 1 })
      const gone = rawGet(server.port, link, { unread: askedOnce })
      await gone
      await closedOnce
      open()
      // Taken for a response already closed: settled at once with nothing kept.
      const whole = await server.send(link)
      expect(whole.status).toBe(200)
      expect(whole.body.equals(SMALL)).toBe(true)
      expect(settled[0]).toBe(1)
      expect((await server.send(link)).status).toBe(410)
    } finally {
      await server.close()
    }
  })
})

describe('a file that grows while a request of its link waits', () => {
  it('is cut off at what the request held, never served at the new size', async () => {
    const file = path.join(dir, 'grows.bin')
    writeFileSync(file, BIG)
    const app = frameworks[1].create()
    const store = createMemoryStore({ now })
    const held = firstHeld(store)
    app.use('/files', signedStatic(dir, { signer, store }))
    const server = await listen(app as never)
    try {
      const link = signer.sign('files/grows.bin', { uses: 1 })
      let release!: () => void
      const holder = rawGet(server.port, link, { unread: new Promise<void>((resolve) => (release = resolve)) })
      const half = BIG.length / 2
      const waiting = rawGet(server.port, link, { headers: { Range: `bytes=${half}-` } })
      await held
      // Replaced by a file twice the size, while the second request waits.
      writeFileSync(`${file}.new`, Buffer.concat([BIG, BIG]))
      renameSync(`${file}.new`, file)
      release()
      await holder
      const [r] = await waiting
      expect(r.status).toBe(206)
      expect(r.head).toMatch(new RegExp(`content-length: ${BIG.length * 2 - half}`, 'i'))
      expect(r.body.length).toBeLessThanOrEqual(half)
    } finally {
      await server.close()
      rmSync(file, { force: true })
    }
  })
})

describe('a request that running responses keep waiting', () => {
  afterEach(() => jest.useRealTimers())

  it('gets 503 with ERR_USES_BUSY and Retry-After after a few seconds, never a 410', async () => {
    let asked = 0
    let first!: () => void
    const askedOnce = new Promise<void>((resolve) => (first = resolve))
    const busy: LinkStore = {
      ...createMemoryStore({ now }),
      take: () => {
        asked++
        first()
        return Promise.resolve('held')
      },
    }
    const app = frameworks[1].create()
    app.use('/files', signedStatic(dir, { signer, store: busy, onReject: recordCode }))
    const server = await listen(app as never)
    try {
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] })
      const reply = sendTo(server.port, signer.sign('files/small.bin', { uses: 1 }))
      await askedOnce
      await jest.advanceTimersByTimeAsync(4000)
      expect(asked).toBeLessThan(10)
      await jest.advanceTimersByTimeAsync(1000)
      const r = await reply
      expect([r.status, r.headers['x-test-refusal'], r.headers['retry-after']]).toEqual([503, 'ERR_USES_BUSY', '1'])
      expect(asked).toBe(10)
    } finally {
      jest.useRealTimers()
      await server.close()
    }
  })
})

describe('over-serving: what any client gets under one link stays within N x size x 1.001 + N x min(2 x size, 64 MiB)', () => {
  let server: TestServer
  beforeEach(async () => {
    const app = frameworks[1].create()
    app.use('/files', signedStatic(dir, { signer, store: createMemoryStore({ now }) }))
    server = await listen(app as never)
  })
  afterEach(() => server.close())

  // Each attack asks one link until it is refused (or a cap of requests), and says how many body bytes it got.
  const attacks: [string, string, (link: string) => Promise<number>][] = [
    [
      'cut off at 2 MB and asked again from the start, over and over (lying about lost bytes)',
      'big.bin',
      async (link) => repeat(() => rawGet(server.port, link, { keep: 2 * 1024 * 1024 })),
    ],
    [
      'left unread and reset, then asked again, over and over',
      'small.bin',
      async (link) =>
        repeat(async () => [
          ...(await rawGet(server.port, link, { unread: Promise.resolve() })),
          ...(await rawGet(server.port, link)),
        ]),
    ],
    [
      'suffix ranges',
      'big.bin',
      async (link) => repeat(() => rawGet(server.port, link, { headers: { Range: 'bytes=-4000000' } })),
    ],
    [
      'overlapping ranges in one header',
      'big.bin',
      async (link) =>
        repeat(() => rawGet(server.port, link, { headers: { Range: 'bytes=0-3999999,2000000-5999999' } })),
    ],
    [
      'several ranges (answered with the whole file)',
      'small.bin',
      async (link) => repeat(() => rawGet(server.port, link, { headers: { Range: 'bytes=0-9,100-109' } })),
    ],
    [
      'a Range with a failing If-Range (answered with the whole file)',
      'small.bin',
      async (link) => repeat(() => rawGet(server.port, link, { headers: { Range: 'bytes=0-9', 'If-Range': '"x"' } })),
    ],
    [
      'pipelined requests on one connection',
      'small.bin',
      async (link) => repeat(() => rawGet(server.port, [link, link, link, link])),
    ],
    [
      'many at once, cut off at random',
      'big.bin',
      async (link) =>
        repeat(async () =>
          (
            await Promise.all(
              Array.from({ length: 8 }, (_, i) => rawGet(server.port, link, { keep: (i + 1) * 512 * 1024 })),
            )
          ).flat(),
        ),
    ],
  ]

  it.each(attacks)(
    '%s',
    async (_what, file, attack) => {
      const size = (file === 'big.bin' ? BIG : SMALL).length
      const got = await attack(signer.sign(`files/${file}`, { uses: 2 }))
      expect(got).toBeGreaterThan(0)
      expect(got).toBeLessThanOrEqual(bound(2, size))
    },
    60_000,
  )

  it('tiny ranges: a use cut into a thousand ranges, and not much more', async () => {
    const link = signer.sign('files/small.bin', { uses: 1 })
    let got = 0
    for (let start = 0; ; start = (start + 49) % SMALL.length) {
      const [r] = await rawGet(server.port, link, { headers: { Range: `bytes=${start}-${start + 48}` } })
      if (r.status !== 206) break
      got += r.body.length
    }
    expect(got).toBeGreaterThanOrEqual(SMALL.length)
    expect(got).toBeLessThanOrEqual(SMALL.length * 1.001 + 49)
  }, 60_000)
})

// Runs an attack round until a round gets no file bytes (every request refused), at most 200 rounds.
async function repeat(round: () => Promise<{ status: number; body: Buffer }[]>): Promise<number> {
  let got = 0
  for (let i = 0; i < 200; i++) {
    const replies = await round()
    const bytes = replies.filter((r) => r.status === 200 || r.status === 206).reduce((n, r) => n + r.body.length, 0)
    if (bytes === 0 && replies.every((r) => r.status === 410 || r.status === 503)) return got
    got += bytes
  }
  throw new Error('the link was never used up')
}
