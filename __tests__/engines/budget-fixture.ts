// The Redis store's budget on a real Redis, for the suites that hold its scripts to use-budget.ts: a Redis of the
// suite's own and a store on it (started before the suite, stopped after), its clock, and the hash it keeps.
import { createRedisStore, type LinkStore } from 'express-signed-url'
import { harness, type Server } from './store-harness'

/** The suite's Redis and store; `clock` is the store's time in Unix seconds, moved by the suite. */
export function budgetFixture(prefix: string) {
  const fixture = {
    clock: 1_767_225_600,
    redis: undefined as unknown as Server,
    store: undefined as unknown as LinkStore & { ready: Promise<void> },
    /** The hash Redis keeps for a link, as the JS budget spells it (a missing field reads NaN, failing a comparison). */
    stored: async (signature: string) => {
      const fields = (await harness.command(fixture.redis.port, 'HGETALL', `${prefix}uses:${signature}`)) as string[]
      const hash: Record<string, string> = {}
      for (let i = 0; i < fields.length; i += 2) hash[fields[i]] = fields[i + 1]
      const list = (text: string | undefined) => (text === '' || text === undefined ? [] : text.split(' ').map(Number))
      return {
        kept: Number(hash.k),
        held: Number(hash.h),
        heldUntil: Number(hash.u),
        credited: Number(hash.r),
        claims: list(hash.c),
        seq: Number(hash.n),
        asks: list(hash.a),
        size: Number(hash.z),
        pending: list(hash.p),
      }
    },
  }
  beforeAll(async () => {
    fixture.redis = await harness.startRedis()
    fixture.store = createRedisStore({ url: fixture.redis.url, prefix, now: () => fixture.clock * 1000 })
    await fixture.store.ready
  }, 30_000)
  afterAll(async () => {
    await fixture.store?.close()
    await fixture.redis?.stop()
  })
  return fixture
}
