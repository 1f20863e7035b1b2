'use strict'
// One app process of the store tests and soak (bench/support/store-harness.js starts two or more): a guarded folder whose
// guard shares a Redis store, on a free loopback port it prints as JSON. Over IPC it revokes links and folders
// (through this process's store, so the others must learn of it) and reports its memory.
const http = require('node:http')
const { createRedisStore, signedStatic } = require('express-signed-url')

// STORE_REDIS_URL is a redis:// URL (the store's own client), or JSON naming a client for the app to make:
// { "cluster": [urls] }, { "sentinel": { "name", "sentinels": [{ host, port }] } }, or { "client": url }.
// STORE_OPTIONS (JSON) adds store options, such as waitForReplicas or timeout.
const target = process.env.STORE_REDIS_URL
const options = { timeout: 500, ...JSON.parse(process.env.STORE_OPTIONS || '{}') }
const store = createRedisStore(
  target.startsWith('{') ? { client: clientOf(JSON.parse(target)), ...options } : { url: target, ...options },
)

function clientOf(spec) {
  const redis = require('redis')
  // Commands fail at once while no connection is up (as the store's own client does): a request gets its 503 now.
  const socket = { reconnectStrategy: (retries) => Math.min(100 * (retries + 1), 1000) }
  if (spec.cluster !== undefined)
    return redis.createCluster({
      rootNodes: spec.cluster.map((url) => ({ url })),
      defaults: { socket, disableOfflineQueue: true },
    })
  if (spec.sentinel !== undefined)
    return redis.createSentinel({
      name: spec.sentinel.name,
      sentinelRootNodes: spec.sentinel.sentinels,
      nodeClientOptions: { socket, disableOfflineQueue: true },
      sentinelClientOptions: { socket },
    })
  return redis.createClient({ url: spec.client, socket, disableOfflineQueue: true })
}
const guard = signedStatic(process.env.STORE_ROOT, {
  key: process.env.STORE_KEY,
  store,
  strictRevocation: process.env.STORE_STRICT === '1',
  // Which check refused, for the counts (never the signature or the key).
  onReject(err, _req, res) {
    res.statusCode = err.status
    res.setHeader('X-Refusal', err.code)
    res.end()
  },
})
const server = http.createServer((req, res) =>
  guard(req, res, (err) => {
    res.statusCode = err ? 500 : 404
    res.end()
  }),
)
server.keepAliveTimeout = 30_000
server.listen(0, '127.0.0.1', () => {
  store.ready.then(
    () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`),
    (err) => {
      process.stderr.write(`store-app: Redis not reachable: ${err.message}\n`)
      process.exit(1)
    },
  )
})
process.on('message', (message) => {
  const reply = (value) => process.send({ id: message.id, ...value })
  if (message.revoke !== undefined)
    store.revoke(message.revoke).then(
      () => reply({ ok: true }),
      (e) => reply({ error: e.message }),
    )
  else if (message.revokeFolder !== undefined)
    store.revokeFolder(message.revokeFolder, message.options).then(
      () => reply({ ok: true }),
      (e) => reply({ error: e.message }),
    )
  else if (message.memory) reply({ rss: process.memoryUsage().rss, current: store.current })
  else if (message.revoked !== undefined) reply({ revoked: store.revoked(message.revoked) })
})
