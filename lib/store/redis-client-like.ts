// The node-redis clients (v6) the Redis store takes, each typed by what the store uses of it.

/** What a command may be told: how long node-redis waits to send it (ms). */
export interface SendOptions {
  timeout?: number
}
/** A pub/sub listener: one message of the channel. */
export type Listener = (message: string) => void

/** What the store needs of every kind of node-redis client (v6): connecting, pub/sub, its events. */
export interface RedisClientBase {
  connect(): Promise<unknown>
  subscribe(channel: string, listener: Listener): Promise<unknown>
  on(event: 'error', listener: (err: Error) => void): unknown
  on(event: 'ready' | 'topology-change' | 'node-ready', listener: () => void): unknown
  off?(event: 'ready' | 'topology-change' | 'node-ready', listener: () => void): unknown
  readonly isOpen: boolean
  readonly isReady: boolean
}

/** A client of one Redis: `createClient()` of the `redis` package. */
export interface RedisStandaloneClientLike extends RedisClientBase {
  sendCommand(args: string[], options?: SendOptions): Promise<unknown>
  duplicate(): RedisStandaloneClientLike
  close?(): Promise<unknown>
  destroy?(): unknown
}

/** A client of a Redis Cluster: `createCluster()` of the `redis` package. */
export interface RedisClusterClientLike extends RedisClientBase {
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
    options?: SendOptions,
  ): Promise<unknown>
  unsubscribe(channel: string, listener: (message: string | Buffer) => unknown): Promise<unknown>
  nodeClient(node: never): unknown
  readonly masters: readonly unknown[]
}

/** A client of the primary that Redis Sentinel names: `createSentinel()` of the `redis` package. */
export interface RedisSentinelClientLike extends RedisClientBase {
  sendCommand(isReadonly: boolean | undefined, args: string[], options?: SendOptions): Promise<unknown>
  use<T>(
    fn: (lease: { sendCommand(isReadonly: boolean | undefined, args: string[]): Promise<unknown> }) => Promise<T>,
  ): Promise<T>
  unsubscribe(channel: string, listener: (message: string | Buffer) => unknown): Promise<unknown>
  getSentinelNode(): unknown
}

/** Any client `createRedisStore` takes. */
export type RedisClientLike = RedisStandaloneClientLike | RedisClusterClientLike | RedisSentinelClientLike
