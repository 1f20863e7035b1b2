// The options of createRedisStore, read before anything connects: defaults, and a TypeError naming each bad one.
import { readRedisStoreOptions } from '../../lib/store/redis-store-options'

const client = { sendCommand: () => Promise.resolve() } as never
const URL = 'redis://127.0.0.1:6379/0'

describe('readRedisStoreOptions()', () => {
  it('fills in the defaults: prefix, timeout 1000 ms, no replicas, Date.now', () => {
    expect(readRedisStoreOptions({ url: URL })).toEqual({
      url: URL,
      client: undefined,
      prefix: 'signed-url:',
      timeout: 1000,
      replicas: 0,
      now: Date.now,
    })
  })

  it('keeps what it is given, the client untouched (it is checked when connections are made)', () => {
    const now = () => 5
    const read = readRedisStoreOptions({ client, prefix: 'app:', timeout: 50, waitForReplicas: 2, now })
    expect(read).toEqual({ url: undefined, client, prefix: 'app:', timeout: 50, replicas: 2, now })
    expect(read.client).toBe(client)
  })

  it.each([
    ['neither url nor client', {}, /give either "url" or "client"/],
    ['both url and client', { url: URL, client }, /give either "url" or "client"/],
    ['a url of another scheme', { url: 'http://x' }, /"url" must be a redis:\/\/ or rediss:\/\/ URL, got/],
    ['a prefix with a space', { url: URL, prefix: 'a b' }, /"prefix" must be a string without spaces/],
    ['a prefix with a control character', { url: URL, prefix: 'a\u0000' }, /"prefix"/],
    ['a timeout of 0', { url: URL, timeout: 0 }, /"timeout" must be a positive number of milliseconds, got 0/],
    ['a fractional timeout', { url: URL, timeout: 1.5 }, /"timeout"/],
    ['negative replicas', { url: URL, waitForReplicas: -1 }, /"waitForReplicas" must be a whole number/],
    ['fractional replicas', { url: URL, waitForReplicas: 1.5 }, /"waitForReplicas"/],
    ['a clock that is not a function', { url: URL, now: 5 }, /"now" must be a function/],
    ['a misspelt option', { url: URL, tiemout: 5 }, /tiemout/],
    ['no options object', null, /createRedisStore/],
  ])('refuses %s with a TypeError', (_what, options, message) => {
    expect(() => readRedisStoreOptions(options as never)).toThrow(TypeError)
    expect(() => readRedisStoreOptions(options as never)).toThrow(message)
  })
})
