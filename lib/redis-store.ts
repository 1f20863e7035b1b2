// The store for many processes, on Redis through node-redis (the `redis` package, an optional peer dependency).
// Use counts are one atomic script per counted request; revocations live in one sorted set, and every process
// keeps a copy, loaded when it connects and kept current through pub/sub, so checking one costs no round trip.
import { createHash, randomBytes } from 'node:crypto'
import { asOptions, assertKnownOptions, describeValue } from './option-checks.js'
import {
  decodeRevocation,
  encodeRevocation,
  folderRevocation,
  linkRevocation,
  RevocationSet,
  type LinkStore,
  type Revocation,
} from './store.js'

/** What the store needs of a node-redis client (v6): commands, a duplicate for pub/sub, its events. */
export interface RedisClientLike {
  sendCommand(args: readonly string[], options?: { timeout?: number }): Promise<unknown>
  duplicate(): RedisClientLike
  connect(): Promise<unknown>
  subscribe(channel: string, listener: (message: string) => void): Promise<void>
  on(event: string, listener: (...args: unknown[]) => void): unknown
  close?(): Promise<unknown>
  destroy?(): void
  readonly isOpen: boolean
  readonly isReady: boolean
}

/** Options of {@link createRedisStore}: a `url`, or a `client` the app made and closes itself. */
export interface RedisStoreOptions {
  /** `redis://host:port/db`: the store makes its own client (the `redis` package must be installed). */
  url?: string
  /** A node-redis client (`createClient()` of the `redis` package, v6), connected or not. */
  client?: RedisClientLike
  /** Prefix of every key and channel. Default `'signed-url:'`. */
  prefix?: string
  /** How long a command may take before the store counts as unable to answer (ms). Default `1000`. */
  timeout?: number
  /** Clock in milliseconds, like `Date.now`. Default `Date.now`. */
  now?: () => number
}

// Spends ARGV[1] of ARGV[2] on the count KEYS[1], kept until ARGV[3] (Unix seconds); 1 if it fit, else 0.
const SPEND = `local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
if used + amount > limit or (amount == 0 and used >= limit) then return 0 end
if amount > 0 then
  redis.call('INCRBY', KEYS[1], amount)
  redis.call('EXPIREAT', KEYS[1], ARGV[3])
end
return 1`
// Gives ARGV[1] back to the count KEYS[1], never below 0, keeping its expiry.
const REFUND = `local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used <= 0 then return 0 end
local left = used - tonumber(ARGV[1])
if left < 0 then left = 0 end
redis.call('SET', KEYS[1], left, 'KEEPTTL')
return 1`
// Adds revocation ARGV[1] (lapsing at ARGV[2]) to the set KEYS[1], drops lapsed ones (before ARGV[3]), and tells
// every process on channel KEYS[2]: one step, so none can load the set without it and miss the message.
const REVOKE = `redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('PUBLISH', KEYS[2], ARGV[1])
return 1`

// How often each process checks its subscription with a heartbeat (ms), and how many commands may wait at once.
const HEARTBEAT = 1000
const MAX_IN_FLIGHT = 1000

const SHA1 = new Map([SPEND, REFUND, REVOKE].map((body) => [body, createHash('sha1').update(body).digest('hex')]))

/**
 * A store in Redis, shared by every process that uses the same Redis and prefix. `ready` resolves once this
 * process has loaded the revocations and listens for new ones. Redis should persist its data (AOF): a Redis that
 * restarts empty forgets how often each link was used. Throws a TypeError on bad options.
 */
export function createRedisStore(options: Readonly<RedisStoreOptions>): LinkStore & { ready: Promise<void> } {
  const opts = asOptions<RedisStoreOptions>('createRedisStore', options)
  assertKnownOptions('createRedisStore', opts, new Set(['url', 'client', 'prefix', 'timeout', 'now']))
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
  const now = opts.now ?? Date.now
  if (typeof now !== 'function')
    throw new TypeError(`createRedisStore: "now" must be a function, got ${describeValue(now)}`)
  const given = opts.client
  if (given !== undefined && (typeof given !== 'object' || given === null || typeof given.sendCommand !== 'function'))
    throw new TypeError(`createRedisStore: "client" must be a node-redis client, got ${describeValue(given)}`)
  // Made only once every option is known good.
  const client = given ?? ownClient(opts.url as string)
  const nowS = () => now() / 1000
  const setKey = `${prefix}revocations`
  const channel = `${prefix}revocations`
  const revocations = new RevocationSet(nowS)
  let closed = false
  // Commands under way: past MAX_IN_FLIGHT (a Redis that stopped answering), new ones fail at once, so memory
  // stays bounded however long it stays silent.
  let inFlight = 0
  // node-redis drops a command's timeout once the command is on the socket: a Redis that stalls (SIGSTOP, a long
  // script, a network that drops packets without closing) would hold every request. So each has its own timer.
  // A command counts as waiting until Redis answers it (or its connection drops), not until its timer gives up:
  // one that timed out still holds its place in node-redis's queue.
  const command = (args: string[]): Promise<unknown> => {
    if (inFlight >= MAX_IN_FLIGHT) return Promise.reject(new Error('createRedisStore: too many commands waiting'))
    inFlight++
    const sent = client.sendCommand(args, { timeout }).finally(() => inFlight--)
    return withTimeout(sent, timeout)
  }
  // A script by its SHA-1 (EVALSHA: a fraction of EVAL's cost, measured), sent whole once Redis lacks it.
  const script = async (body: string, keys: string[], args: string[]) => {
    const sha = SHA1.get(body) as string
    try {
      return await command(['EVALSHA', sha, String(keys.length), ...keys, ...args])
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err
      return command(['EVAL', body, String(keys.length), ...keys, ...args])
    }
  }
  // Errors are the connection's: commands fail (and are refused with 503) while it lasts; never a crash.
  client.on('error', () => undefined)

  // The copy of the revocations is current while (1) it was loaded after the subscriber last (re)connected and
  // (2) the heartbeat this process publishes every HEARTBEAT ms comes back through its own subscription within
  // `timeout`: a connection that went silent without closing is noticed too. Whenever either fails, the copy is
  // marked behind and is loaded again (retrying) once the heartbeat comes back.
  let loaded = false
  let lastEcho = Date.now()
  let loading: Promise<void> | undefined
  const heartbeat = JSON.stringify({ heartbeat: `${process.pid}.${randomBytes(6).toString('hex')}` })
  const behind = () => {
    loaded = false
  }
  const subscriber = client.duplicate()
  subscriber.on('error', behind)
  subscriber.on('end', behind)
  subscriber.on('reconnecting', behind)
  // On every (re)connection node-redis subscribes again by itself; the set is loaded again, for what was missed.
  subscriber.on('ready', () => {
    behind()
    void reload()
  })
  const load = async (): Promise<void> => {
    const members = (await command(['ZRANGE', setKey, String(Math.floor(nowS())), '+inf', 'BYSCORE'])) as string[]
    revocations.replace(members.map(decodeRevocation).filter((r): r is Revocation => r !== undefined))
  }
  // Loads until it succeeds (the main client may reconnect after the subscriber), one attempt at a time.
  const reload = (): Promise<void> => {
    loading ??= (async () => {
      try {
        while (!closed) {
          try {
            await load()
            loaded = true
            return
          } catch {
            await new Promise((resolve) => setTimeout(resolve, 100).unref())
          }
        }
      } finally {
        loading = undefined
      }
    })()
    return loading
  }
  const onMessage = (message: string) => {
    if (message === heartbeat) {
      lastEcho = Date.now()
      if (!loaded) void reload()
      return
    }
    const revocation = decodeRevocation(message)
    if (revocation !== undefined) revocations.add(revocation)
  }
  const beats = setInterval(() => {
    if (Date.now() - lastEcho > timeout + HEARTBEAT) behind()
    command(['PUBLISH', channel, heartbeat]).catch(() => undefined)
  }, HEARTBEAT)
  beats.unref()
  const connecting = (async () => {
    if (!client.isOpen) await client.connect()
    await subscriber.connect()
    await subscriber.subscribe(channel, onMessage)
    await load()
    loaded = true
    lastEcho = Date.now()
  })()
  // Rejects if the first connection takes longer than `timeout` (the clients go on trying meanwhile).
  const ready = withTimeout(connecting, timeout)
  connecting.catch(() => undefined)
  // Awaited by those who want it; a failure to connect is the store's being down, reported per request.
  ready.catch(() => undefined)

  const publish = async (revocation: Revocation) => {
    const text = encodeRevocation(revocation)
    await script(REVOKE, [setKey, channel], [text, String(revocation.until), String(Math.floor(nowS()))])
    revocations.add(revocation)
  }
  return {
    get current() {
      return loaded && Date.now() - lastEcho <= timeout + HEARTBEAT
    },
    ready,
    revoke: async (link) => publish(linkRevocation(link)),
    revokeFolder: async (folder, folderOptions) => publish(folderRevocation(folder, folderOptions, nowS())),
    revoked: (link) => revocations.has(link),
    async spend(signature, amount, limit, until) {
      const key = `${prefix}uses:${signature}`
      const fit = await script(SPEND, [key], [String(amount), String(limit), String(until)])
      return fit === 1
    },
    async refund(signature, amount) {
      await script(REFUND, [`${prefix}uses:${signature}`], [String(amount)])
    },
    async close() {
      if (closed) return
      closed = true
      clearInterval(beats)
      await ready.catch(() => undefined)
      await end(subscriber)
      if (given === undefined) await end(client)
    },
  }
}

// `promise`, or a rejection once `ms` have passed without it (the timer holds no process open).
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('createRedisStore: Redis did not answer in time')), ms)
    timer.unref()
  })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

// Closes a client: gracefully once it is connected, at once (no more reconnecting) while it is not.
async function end(client: RedisClientLike): Promise<void> {
  try {
    if (client.isReady && client.close !== undefined) await client.close()
    else client.destroy?.()
  } catch {
    // Already gone.
  }
}

// The store's own client: commands fail at once while Redis is unreachable (no queue to serve from later), and
// it reconnects every 100 ms to 2 s.
function ownClient(url: string): RedisClientLike {
  let redis: { createClient(options: object): RedisClientLike }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    redis = require('redis') as typeof redis
  } catch {
    throw new TypeError('createRedisStore: "url" needs the redis package: npm install redis')
  }
  return redis.createClient({
    url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: (retries: number) => Math.min(100 * (retries + 1), 2000) },
  })
}
