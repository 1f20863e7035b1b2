'use strict'
// What the store's engine tests and `npm run soak:store` share: a Redis of their own (redis-server.js), the
// deployments a store meets in production built from the same servers (redis-deployments.js: a 3-master Cluster; a
// primary, a replica and three Sentinels; Valkey), and app processes (store-apps.js, forking store-app.js) sharing
// them. Everything is stopped by its PID and every wait is bounded.
const { command, freePort, freePorts, startRedis, startValkey } = require('./redis-server')
const { startCluster, startSentinel } = require('./redis-deployments')
const { startApp, startProxy } = require('./store-apps')

module.exports = {
  command,
  freePort,
  freePorts,
  startApp,
  startCluster,
  startProxy,
  startRedis,
  startSentinel,
  startValkey,
}
