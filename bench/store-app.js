'use strict'
// One app process of the store tests and soak (bench/store-harness.js starts two or more): a guarded folder whose
// guard shares a Redis store, on a free loopback port it prints as JSON. Over IPC it revokes links and folders
// (through this process's store, so the others must learn of it) and reports its memory.
const http = require('node:http')
const { createRedisStore, signedStatic } = require('express-signed-url')

const store = createRedisStore({ url: process.env.STORE_REDIS_URL, timeout: 500 })
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
})
