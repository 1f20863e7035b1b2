// The client types the Redis store takes: node-redis's own clients (v6) fit them (checked by tsc), and have at run
// time what the store tells them apart by and calls.
import { createClient, createCluster, createSentinel } from 'redis'
import type {
  RedisClientLike,
  RedisClusterClientLike,
  RedisSentinelClientLike,
  RedisStandaloneClientLike,
} from '../../lib/store/redis-client-like'

type Fits<T, U> = [T] extends [U] ? true : false
// Type-level: each of node-redis's factories makes a client of its kind, and any of them is a RedisClientLike.
const fits: [
  Fits<ReturnType<typeof createClient>, RedisStandaloneClientLike>,
  Fits<ReturnType<typeof createCluster>, RedisClusterClientLike>,
  Fits<ReturnType<typeof createSentinel>, RedisSentinelClientLike>,
  Fits<ReturnType<typeof createClient>, RedisClientLike>,
] = [true, true, true, true]
// @ts-expect-error A client pool (or another library's client) has no duplicate, nodeClient or use: not one of them.
const pool: RedisClientLike = { sendCommand: () => Promise.resolve(), connect: () => Promise.resolve() }

describe('the node-redis clients', () => {
  // Made, never connected: no Redis is needed.
  const clients = {
    standalone: createClient(),
    cluster: createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:1' }] }),
    sentinel: createSentinel({ name: 'primary', sentinelRootNodes: [{ host: '127.0.0.1', port: 1 }] }),
  }
  const methods = (client: object, names: string[]) =>
    names.filter((name) => typeof (client as Record<string, unknown>)[name] === 'function')

  it('fit the types, as tsc checked', () => {
    expect(fits).toEqual([true, true, true, true])
    expect(Object.keys(pool)).toEqual(['sendCommand', 'connect'])
  })

  it.each([
    ['standalone', ['sendCommand', 'connect', 'subscribe', 'on', 'duplicate', 'close', 'destroy']],
    ['cluster', ['sendCommand', 'connect', 'subscribe', 'unsubscribe', 'on', 'nodeClient']],
    ['sentinel', ['sendCommand', 'connect', 'subscribe', 'unsubscribe', 'on', 'use', 'getSentinelNode']],
  ] as const)('a %s client has every method its type names', (kind, names) => {
    expect(methods(clients[kind], [...names])).toEqual(names)
    expect([clients[kind].isOpen, clients[kind].isReady]).toEqual([false, false])
  })

  it('tells a Cluster client by its masters, which only it has', () => {
    expect(['standalone', 'cluster', 'sentinel'].filter((kind) => 'masters' in clients[kind as 'cluster'])).toEqual([
      'cluster',
    ])
  })
})
