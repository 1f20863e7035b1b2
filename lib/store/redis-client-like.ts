// The node-redis clients (v6) the Redis store takes, each typed by what the store uses of it.

/** What a command may be told: how long node-redis waits to send it (ms). */
export interface SendOptions {
  /** Milliseconds. */
  timeout?: number
}
/** A pub/sub listener: one message of the channel. */
export type Listener = (message: string) => void

/** What the store needs of every kind of node-redis client (v6): connecting, pub/sub, its events. */
export interface RedisClientBase {
  /** Opens the connection(s). */
  connect(): Promise<unknown>
  /** Listens to a channel (the store's revocations). */
  subscribe(channel: string, listener: Listener): Promise<unknown>
  /** Hears the client's errors. */
  on(event: 'error', listener: (err: Error) => void): unknown
  /** Hears that it is ready, or that the servers behind it changed. */
  on(event: 'ready' | 'topology-change' | 'node-ready', listener: () => void): unknown
  /** Stops hearing one of those. */
  off?(event: 'ready' | 'topology-change' | 'node-ready', listener: () => void): unknown
  /** Connected, or connecting. */
  readonly isOpen: boolean
  /** Ready to take commands. */
  readonly isReady: boolean
}

/** A client of one Redis: `createClient()` of the `redis` package. */
export interface RedisStandaloneClientLike extends RedisClientBase {
  /** Sends one command. */
  sendCommand(args: string[], options?: SendOptions): Promise<unknown>
  /** A second connection like this one (a subscribed connection takes no other command). */
  duplicate(): RedisStandaloneClientLike
  /** Closes once the commands sent are answered. */
  close?(): Promise<unknown>
  /** Closes at once. */
  destroy?(): unknown
}

/** A client of a Redis Cluster: `createCluster()` of the `redis` package. */
export interface RedisClusterClientLike extends RedisClientBase {
  /** Sends one command to the node that holds `firstKey`'s slot. */
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
    options?: SendOptions,
  ): Promise<unknown>
  /** Stops listening to a channel. */
  unsubscribe(channel: string, listener: (message: string | Buffer) => unknown): Promise<unknown>
  /** The client of one node; with `masters`, how the store tells a Cluster client. */
  nodeClient(node: never): unknown
  /** The Cluster's primaries. */
  readonly masters: readonly unknown[]
}

/** A client of the primary that Redis Sentinel names: `createSentinel()` of the `redis` package. */
export interface RedisSentinelClientLike extends RedisClientBase {
  /** Sends one command to the primary. */
  sendCommand(isReadonly: boolean | undefined, args: string[], options?: SendOptions): Promise<unknown>
  /** Runs `fn` on one connection leased to it (a write, then `WAIT` on the same connection). */
  use<T>(
    fn: (lease: { sendCommand(isReadonly: boolean | undefined, args: string[]): Promise<unknown> }) => Promise<T>,
  ): Promise<T>
  /** Stops listening to a channel. */
  unsubscribe(channel: string, listener: (message: string | Buffer) => unknown): Promise<unknown>
  /** The Sentinel node in use; the store only checks that it is there, to tell a Sentinel client. */
  getSentinelNode(): unknown
}

/** Any client `createRedisStore` takes. */
export type RedisClientLike = RedisStandaloneClientLike | RedisClusterClientLike | RedisSentinelClientLike
