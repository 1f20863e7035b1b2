// The connections of the Redis store, one kind per node-redis client (v6): a standalone Redis, a Cluster, the
// primary Sentinel names, or the store's own client of a URL. Each sends commands, pins a few on one connection
// (for WAIT), and listens on the revocations' channel, telling when it may have missed messages.
import { describeValue } from '../util/option-checks.js'
import type {
  Listener,
  RedisClusterClientLike,
  RedisSentinelClientLike,
  RedisStandaloneClientLike,
  SendOptions,
} from './redis-client-like.js'

// Sends a command to the node that holds `key` (the primary); `pinned` runs steps on one connection, so a WAIT
// after them counts their writes.
export type Send = (key: string, args: string[]) => Promise<unknown>
export interface Connection {
  send: Send
  pinned<T>(key: string, steps: (send: Send) => Promise<T>): Promise<T>
  connect(): Promise<void>
  /** Subscribes `listener`; `resubscribed` is called whenever the subscription may have missed messages. */
  subscribe(listener: Listener, resubscribed: () => void): Promise<void>
  close(): Promise<void>
}

// Errors that no retry mends: Redis refused the store's credentials or rights (ACL), or the script commands.
export function isRefusal(err: unknown): boolean {
  // node-redis wraps the server's refusal when its reconnect strategy gives up on it: the cause says it.
  for (let e = err, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++)
    if (/\b(?:WRONGPASS|NOAUTH|NOPERM)\b/.test(e.message)) return true
  return false
}

// The kind of client the app gave, told apart by what only it has (node-redis exports no classes to test against):
// a Cluster client its `masters` and `nodeClient`, a Sentinel client its `use` and `getSentinelNode`. Anything else
// (a client pool, another library's client) is refused: its calls would fail on every request.
export function given(client: unknown, channel: string, timeout?: number): Connection {
  const c = client as Record<string, unknown> | null
  const has = (...names: string[]) => names.every((name) => typeof c?.[name] === 'function')
  if (typeof client !== 'object' || c === null || !has('sendCommand', 'connect', 'subscribe', 'on'))
    throw new TypeError(
      `createRedisStore: "client" must be a node-redis v6 client (createClient, createCluster or createSentinel), got ${describeValue(client)}`,
    )
  if (has('nodeClient') && 'masters' in c) return clusterConnection(client as RedisClusterClientLike, channel, timeout)
  if (has('use', 'getSentinelNode')) return sentinelConnection(client as RedisSentinelClientLike, channel, timeout)
  if (has('duplicate')) return standaloneConnection(client as RedisStandaloneClientLike, channel, false, timeout)
  throw new TypeError(
    `createRedisStore: "client" must be a node-redis v6 client (createClient, createCluster or createSentinel), got ${describeValue(client)}`,
  )
}

// Errors are the connection's: commands fail (and are refused with 503) while it lasts; never a crash.
const ignore = () => undefined

// node-redis (v6) gives each command a timer of its own (5 s by default: an AbortSignal.timeout and its listener),
// which stops counting once the command is on the socket. The store bounds every command itself, to the answer
// (redis-commands.ts), so where no command can wait unsent (a client without an offline queue, as the store makes
// for a `url`) its commands go through a view of the client without that timer (withCommandOptions): it was a third
// of a command's CPU (measured, bench:store). A client that queues commands while it is offline keeps the timer, set
// to the store's `timeout`: a command the store has refused for want of an answer must not run once the connection
// is back (a use taken then is spent, never served). The app's own commands keep their options.
function forStore<T extends object>(client: T, timeout: number | undefined): T {
  const view = (client as { withCommandOptions?: (options: SendOptions) => T }).withCommandOptions
  if (typeof view !== 'function' || timeout === undefined) return client
  const queues = (client as { options?: { disableOfflineQueue?: unknown } }).options?.disableOfflineQueue !== true
  return view.call(client, { timeout: queues ? timeout : 0 })
}

// One Redis: commands on the client, pub/sub on a duplicate of it (a subscribed connection takes no commands), the
// duplicate closed with the store, the client too when the store made it.
function standaloneConnection(
  client: RedisStandaloneClientLike,
  channel: string,
  own: boolean,
  timeout?: number,
): Connection {
  client.on('error', ignore)
  const subscriber = client.duplicate()
  subscriber.on('error', ignore)
  let watching = false
  const commands = forStore(client, timeout)
  const send: Send = (_key, args) => commands.sendCommand(args)
  return {
    send,
    // One connection carries every command of the client: WAIT after a write counts it.
    pinned: (_key, steps) => steps(send),
    async connect() {
      if (!client.isOpen) await client.connect()
    },
    async subscribe(listener, resubscribed) {
      if (!watching) {
        watching = true
        // node-redis subscribes again by itself after a reconnection; what was published meanwhile is lost.
        subscriber.on('ready', resubscribed)
      }
      if (!subscriber.isOpen) await subscriber.connect()
      await subscriber.subscribe(channel, listener)
    },
    async close() {
      await end(subscriber)
      if (own) await end(client)
    },
  }
}

// A Cluster: each command goes to the node of its key's slot. Pub/sub is the classic kind (PUBLISH reaches every
// node over the cluster bus, and node-redis listens on one node, moving to another if it fails): revocations are
// rare, and a heartbeat a second per process costs the bus little, where sharded pub/sub would tie every process's
// subscription to the one shard that holds the set and its resubscription to slot moves. node-redis tells of every
// node's (re)connection, the one it listens on among them: the copy is behind at each (more often than needed, the
// safe side).
function clusterConnection(client: RedisClusterClientLike, channel: string, timeout?: number): Connection {
  const commands = forStore(client, timeout)
  const send: Send = (key, args) => commands.sendCommand(key, false, args)
  // node-redis keeps one connection to each node: WAIT after a write, routed by the same key, follows it.
  return listeningOn(client, channel, 'node-ready', send, (_key, steps) => steps(send))
}

// The primary Sentinel names: node-redis finds it, and after a failover the new one, commands and pub/sub alike; a
// failover moves the subscription, and what was published meanwhile may be lost.
function sentinelConnection(client: RedisSentinelClientLike, channel: string, timeout?: number): Connection {
  // node-redis may keep several connections to the primary: a lease holds one for the write and its WAIT.
  const pinned: Connection['pinned'] = (_key, steps) =>
    client.use((lease) => steps((_k, args) => lease.sendCommand(false, args)))
  const commands = forStore(client, timeout)
  return listeningOn(client, channel, 'topology-change', (_key, args) => commands.sendCommand(false, args), pinned)
}

// A Cluster or Sentinel client, the app's: commands through `send`, pub/sub on the client itself (node-redis keeps
// a connection of its own for it), `event` telling when the subscription may have missed messages. Closing the
// store takes its listeners off, never the client down.
function listeningOn(
  client: RedisClusterClientLike | RedisSentinelClientLike,
  channel: string,
  event: 'node-ready' | 'topology-change',
  send: Send,
  pinned: Connection['pinned'],
): Connection {
  client.on('error', ignore)
  let listening: Listener | undefined
  let missed: (() => void) | undefined
  return {
    send,
    pinned,
    async connect() {
      if (!client.isOpen) await client.connect()
    },
    async subscribe(listener, resubscribed) {
      if (missed === undefined) client.on(event, (missed = resubscribed))
      await client.subscribe(channel, listener)
      listening = listener
    },
    async close() {
      if (missed !== undefined) client.off?.(event, missed)
      if (listening !== undefined) await client.unsubscribe(channel, listening as never).catch(ignore)
    },
  }
}

// Closes a client: gracefully once it is connected, at once (no more reconnecting) while it is not.
async function end(client: RedisStandaloneClientLike): Promise<void> {
  try {
    if (client.isReady && client.close !== undefined) await client.close()
    else client.destroy?.()
  } catch {
    // Gone already; or destroyed while its socket was being made, after which node-redis 6 finishes connecting
    // and says it is ready but refuses close(): destroy() ends it.
    try {
      client.destroy?.()
    } catch {
      // Gone.
    }
  }
}

// The store's own client of one Redis: commands fail at once while Redis is unreachable (no queue to serve from
// later), and it reconnects every 100 ms to 2 s, except when Redis refuses its credentials.
export function ownConnection(url: string, channel: string, timeout?: number): Connection {
  let redis: { createClient(options: object): RedisStandaloneClientLike }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    redis = require('redis') as typeof redis
  } catch {
    throw new TypeError('createRedisStore: "url" needs the redis package: npm install redis')
  }
  const client = redis.createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      reconnectStrategy: (retries: number, cause: unknown) =>
        isRefusal(cause) ? (cause as Error) : Math.min(100 * (retries + 1), 2000),
    },
  })
  return standaloneConnection(client, channel, true, timeout)
}
