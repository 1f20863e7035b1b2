// Compile-time type test, checked by `npm run typecheck`: createRedisStore takes each kind of node-redis v6 client
// as the `redis` package types it (a mismatch here was TS2322 on `sendCommand` for the Cluster and Sentinel ones),
// and nothing else.
import { createClient, createCluster, createSentinel } from 'redis'
import { createRedisStore } from 'express-signed-url'

export function stores() {
  const standalone = createRedisStore({ client: createClient({ url: 'redis://127.0.0.1:6379' }) })
  const cluster = createRedisStore({ client: createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:7000' }] }) })
  const sentinel = createRedisStore({
    client: createSentinel({ name: 'primary', sentinelRootNodes: [{ host: '127.0.0.1', port: 26379 }] }),
    waitForReplicas: 1,
  })
  const resp3 = createRedisStore({ client: createClient({ RESP: 3 }) })
  // @ts-expect-error a client of another library (or a plain object) is not a node-redis client
  createRedisStore({ client: { sendCommand: () => Promise.resolve() } })
  // @ts-expect-error waitForReplicas is a number
  createRedisStore({ url: 'redis://127.0.0.1', waitForReplicas: '1' })
  return [standalone, cluster, sentinel, resp3]
}
