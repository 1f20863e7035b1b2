// The contract of a store (link-store.ts): the guards' check of their `store` option, what they do when a store
// cannot answer, how long a store keeps state past a link's expiry, and the fields of a link a store reads.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createMemoryStore, createSigner, requireSignature, signedStatic, type LinkStore } from 'express-signed-url'
import { frameworks, KEY, listen, NOW_MS, recordCode, SITE, type TestServer } from '../support/helpers'
import { MAX_CLOCK_TOLERANCE } from '../../lib/link/link-lifetime'
import { SLACK_SECONDS, STATE_SLACK_SECONDS, storeOf } from '../../lib/store/link-store'
import { linkRevocation } from '../../lib/store/revocation'

// One clock for the signer, the guards and the store, moved by the tests.
let clock = NOW_MS
const now = () => clock
const signer = createSigner({ key: KEY, now })

describe('storeOf()', () => {
  it('takes no store as none, and a store with every method as itself', () => {
    const store = createMemoryStore({ now })
    expect(storeOf('signedStatic', undefined)).toBeUndefined()
    expect(storeOf('signedStatic', store)).toBe(store)
  })

  it.each([
    ['null', null],
    ['a string', 'redis://localhost'],
    ['a store without renew', { ...createMemoryStore({ now }), renew: undefined }],
  ])('refuses %s with a TypeError naming the guard and the option', (_what, store) => {
    expect(() => storeOf('requireSignature', store)).toThrow(TypeError)
    expect(() => storeOf('requireSignature', store)).toThrow(
      /^requireSignature: "store" must come from createMemoryStore\(\) or createRedisStore\(\), got /,
    )
  })
})

describe('a store that cannot answer', () => {
  let server: TestServer
  let current = true
  const down: LinkStore = {
    ...createMemoryStore({ now: () => NOW_MS }),
    get current() {
      return current
    },
    take: () => Promise.reject(new Error('connection refused')),
  }
  const guarded = (options: object) => {
    const app = frameworks[1].create()
    app.use('/private', signedStatic(`${SITE}/private`, { key: KEY, now: () => NOW_MS, store: down, ...options }))
    return listen(app as never)
  }
  const sign = (options?: object) => createSigner({ key: KEY, now: () => NOW_MS }).sign('private/image.png', options)
  afterEach(() => server.close())

  it('refuses limited-use links with 503, a code and Retry-After, and serves stateless links', async () => {
    server = await guarded({ onReject: recordCode })
    const r = await server.send(sign({ uses: 1 }))
    expect([r.status, r.headers['x-test-refusal'], r.headers['retry-after']]).toEqual([
      503,
      'ERR_STORE_UNAVAILABLE',
      '5',
    ])
    expect((await server.send(sign())).status).toBe(200)
  })

  it('refuses with 503 when the store cannot say whether a link is revoked (it throws)', async () => {
    const app = frameworks[0].create()
    const broken = {
      ...createMemoryStore(),
      revoked: () => {
        throw new Error('broken')
      },
    }
    app.use('/private', signedStatic(`${SITE}/private`, { key: KEY, now: () => NOW_MS, store: broken }))
    server = await listen(app as never)
    expect((await server.send(sign())).status).toBe(503)
  })

  it('serves limited-use links uncounted only when told to, dangerously', async () => {
    server = await guarded({ dangerouslyAllowWhenStoreDown: true })
    expect((await server.send(sign({ uses: 1 }))).status).toBe(200)
  })

  it('with strictRevocation, refuses every link while its copy of the revocations may be behind', async () => {
    server = await guarded({ strictRevocation: true, onReject: recordCode })
    current = false
    const r = await server.send(sign())
    expect([r.status, r.headers['x-test-refusal']]).toEqual([503, 'ERR_STORE_UNAVAILABLE'])
    current = true
    expect((await server.send(sign())).status).toBe(200)
  })
})

describe('store options', () => {
  it.each([
    ['store', { store: {} }, /"store" must come from createMemoryStore\(\) or createRedisStore\(\)/],
    ['strictRevocation', { strictRevocation: 'yes' }, /"strictRevocation" must be a boolean/],
    ['dangerouslyAllowWhenStoreDown', { dangerouslyAllowWhenStoreDown: 1 }, /"dangerouslyAllowWhenStoreDown"/],
  ])('a bad "%s" throws a TypeError naming it, in every guard', (_name, options, message) => {
    expect(() => requireSignature({ key: KEY, ...options } as never)).toThrow(message)
    expect(() => signedStatic(SITE, { key: KEY, ...options } as never)).toThrow(message)
  })
})

describe('a store against long clock tolerances and stable links', () => {
  beforeEach(() => {
    clock = NOW_MS
  })

  // Revocations and use counts must last as long as a guard may accept their link: expiry + clockTolerance + slack.
  describe('how long it keeps state past a link’s expiry', () => {
    const expiry = NOW_MS / 1000 + 60
    // The `until` a guard gives its store's spend, for one limited-use link it serves.
    const untilOfSpend = async (options: object) => {
      const calls: number[] = []
      const recording: LinkStore = {
        ...createMemoryStore({ now }),
        take: (_signature, _ask, until) => {
          calls.push(until)
          return Promise.resolve(1)
        },
      }
      const app = frameworks[1].create()
      app.use('/api', requireSignature({ ...options, store: recording } as never))
      app.use('/api', (_req: IncomingMessage, res: ServerResponse) => res.end('ok'))
      const server = await listen(app as never)
      try {
        expect((await server.send(signer.sign('api/report', { ttl: 60, uses: 2 }))).status).toBe(200)
        return calls
      } finally {
        await server.close()
      }
    }

    it.each([
      ['no clockTolerance', { key: KEY, now }, 3600],
      ['a clockTolerance of 2h', { key: KEY, now, clockTolerance: '2h' }, 7200 + 3600],
      ['a clockTolerance of 6h', { key: KEY, now, clockTolerance: 21600 }, 21600 + 3600],
      // A signer made by createSigner: its own tolerance.
      ['a signer given', { signer: createSigner({ key: KEY, now, clockTolerance: 5 }) }, 5 + 3600],
      // One that is not (a wrapper) cannot say: the count is kept for the most any may have.
      [
        'a signer of its own making',
        { signer: { verify: createSigner({ key: KEY, now, clockTolerance: 5 }).verify } },
        21600 + 3600,
      ],
    ])('a guard with %s keeps a use count until expiry + its tolerance + an hour', async (_what, options, past) => {
      expect(await untilOfSpend(options)).toEqual([expiry + past])
    })

    it('keeps a revocation until expiry + MAX_CLOCK_TOLERANCE (6 h) + an hour, whatever the guards’ tolerance', async () => {
      expect(SLACK_SECONDS).toBe(MAX_CLOCK_TOLERANCE + STATE_SLACK_SECONDS)
      expect([MAX_CLOCK_TOLERANCE, STATE_SLACK_SECONDS]).toEqual([21600, 3600])
      const link = signer.sign('a.png', { ttl: 60 })
      expect(linkRevocation(link).until).toBe(expiry + 21600 + 3600)
      let at = NOW_MS
      const store = createMemoryStore({ now: () => at })
      await store.revoke(link)
      const stored = { path: 'a.png', expiresAt: expiry, signature: link.slice(-43) }
      at = (expiry + 21600 + 3600 - 1) * 1000
      expect(store.revoked(stored)).toBe(true)
      at = (expiry + 21600 + 3600) * 1000
      expect(store.revoked(stored)).toBe(false)
    })

    it('keeps a folder revocation until the last link it covers expires + 6 h + an hour', async () => {
      let at = NOW_MS
      const store = createMemoryStore({ now: () => at })
      await store.revokeFolder('/a/', { issuedBefore: NOW_MS / 1000, maxTtl: 60 })
      await store.revokeFolder('/b/', { expiringBefore: expiry + 1 })
      const covered = (path: string) => store.revoked({ path, expiresAt: expiry, signature: 'A'.repeat(43) })
      at = (expiry + 21600 + 3600 - 1) * 1000
      expect([covered('a/x.png'), covered('b/x.png')]).toEqual([true, true])
      at = (expiry + 1 + 21600 + 3600) * 1000
      expect([covered('a/x.png'), covered('b/x.png')]).toEqual([false, false])
    })
  })

  // With stableFor, a stamped link says it was made at the start of its window: issuedBefore still takes back every
  // link made until then, and may take back some made within the window after it (the safe side).
  describe('revokeFolder with issuedBefore, of links stamped within stableFor windows', () => {
    const T = NOW_MS / 1000 + 100 // inside the window from NOW to NOW + 299 (ttl 10m, stableFor 5m)
    let at = NOW_MS
    const windowed = createSigner({ key: KEY, now: () => at, ttl: '10m', stableFor: '5m', stampIssued: true })
    const made = (seconds: number) => {
      at = seconds * 1000
      const result = windowed.verify(windowed.sign('v/a.png'))
      if (!result.ok) throw new Error('the link did not verify')
      return result
    }

    it('takes back every link made at or before T, some made in T’s window after it, none made later', async () => {
      at = NOW_MS
      const store = createMemoryStore({ now: () => at })
      const links = [T - 100, T, T + 1, T + 199, T + 200, T + 500].map(made)
      at = T * 1000
      await store.revokeFolder('/v/', { issuedBefore: T })
      expect(links.map((link) => store.revoked(link))).toEqual([true, true, true, true, false, false])
    })
  })
})
