// The options of createRedisStore, read once, before anything connects: a bad one throws a TypeError naming it.
import { asOptions, assertKnownOptions, clockOption, describeValue } from '../util/option-checks.js'
import type { RedisClientLike } from './redis-client-like.js'

/** Options of `createRedisStore`: a `url`, or a `client` the app made and closes itself. */
export interface RedisStoreOptions {
  /** `redis://host:port/db`: the store makes its own client of one Redis (the `redis` package must be installed). */
  url?: string
  /**
   * A node-redis client (v6), connected or not: `createClient()`, `createCluster()` or `createSentinel()`. A
   * Sentinel client follows failovers; a `url` or `createClient()` of a primary does not.
   */
  client?: RedisClientLike
  /** Prefix of every key and channel. Default `'signed-url:'`. */
  prefix?: string
  /** How long a command may take before the store counts as unable to answer (ms). Default `1000`. */
  timeout?: number
  /**
   * How many replicas must hold a use or a revocation (Redis's `WAIT`) before it counts: a request whose use
   * they do not confirm within `timeout` is refused with 503, and `revoke` rejects. Default `0`: the primary's word.
   * With 0, a failover to a replica that lagged forgets the uses and revocations it had not yet received.
   */
  waitForReplicas?: number
  /** Clock in milliseconds, like `Date.now`. Default `Date.now`. */
  now?: () => number
}

/** The options of a Redis store, checked, with their defaults. */
export interface RedisStoreSettings {
  readonly url?: string
  readonly client?: RedisClientLike
  readonly prefix: string
  readonly timeout: number
  readonly replicas: number
  readonly now: () => number
}

/** Checks the options of `createRedisStore`; throws a TypeError naming the first bad one. */
export function readRedisStoreOptions(options: Readonly<RedisStoreOptions>): RedisStoreSettings {
  const opts = asOptions<RedisStoreOptions>('createRedisStore', options)
  assertKnownOptions('createRedisStore', opts, OPTIONS)
  if ((opts.url === undefined) === (opts.client === undefined))
    throw new TypeError('createRedisStore: give either "url" or "client"')
  if (opts.url !== undefined && (typeof opts.url !== 'string' || !/^rediss?:\/\//.test(opts.url)))
    throw new TypeError(`createRedisStore: "url" must be a redis:// or rediss:// URL, got ${describeValue(opts.url)}`)
  const prefix = opts.prefix ?? 'signed-url:'
  if (typeof prefix !== 'string' || /[\s\u0000-\u001f]/.test(prefix))
    throw new TypeError(`createRedisStore: "prefix" must be a string without spaces, got ${describeValue(prefix)}`)
  const timeout = opts.timeout ?? 1000
  if (!Number.isSafeInteger(timeout) || timeout < 1)
    throw new TypeError(
      `createRedisStore: "timeout" must be a positive number of milliseconds, got ${describeValue(timeout)}`,
    )
  const replicas = opts.waitForReplicas ?? 0
  if (!Number.isSafeInteger(replicas) || replicas < 0)
    throw new TypeError(
      `createRedisStore: "waitForReplicas" must be a whole number of replicas, 0 or more, got ${describeValue(replicas)}`,
    )
  const now = clockOption('createRedisStore', opts.now)
  return { url: opts.url, client: opts.client, prefix, timeout, replicas, now }
}

const OPTIONS: ReadonlySet<string> = new Set(['url', 'client', 'prefix', 'timeout', 'waitForReplicas', 'now'])
