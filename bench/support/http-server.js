'use strict'
// The servers bench/http.js and bench/profile.js load: the same folder through express.static, signedStatic, and
// the `signed` package's verifier in front of express.static, each on its own loopback port, all in this one process
// so their CPU is measured alike. Started as a child process so the load generator does not share its event loop.
// Over IPC it answers `stats` (its own CPU time from process.cpuUsage, and the requests each server answered), and
// `profile-start` / `profile-stop` (a V8 CPU profile of itself, summed by bench/support/profile-summary.js).
const express = require('express')
const signedPeer = require('signed').default
const { signedStatic } = require('express-signed-url')

const [root, key] = [process.env.BENCH_ROOT, process.env.BENCH_KEY]
const served = { plain: 0, ours: 0, peer: 0 }
const count = (name) => (req, res, next) => {
  served[name]++
  next()
}

const plain = express()
plain.use(count('plain'), express.static(root))

const ours = express()
ours.use(count('ours'), signedStatic(root, { key }))

const peer = express()
peer.use(count('peer'), signedPeer({ secret: key }).verifier())
peer.use(express.static(root))

let session
const post = (method, params) =>
  new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))))

process.on('message', async (message) => {
  if (message === 'profile-start') {
    const { Session } = require('node:inspector')
    session = new Session()
    session.connect()
    await post('Profiler.enable')
    await post('Profiler.setSamplingInterval', { interval: 100 })
    await post('Profiler.start')
    process.send({ started: true })
  } else if (message === 'profile-stop') {
    const { profile } = await post('Profiler.stop')
    session.disconnect()
    process.send(require('./profile-summary').summarize(profile))
  } else {
    const { user, system } = process.cpuUsage()
    process.send({ cpu: user + system, served: { ...served } })
  }
})

const ports = {}
let pending = 3
for (const [name, app] of Object.entries({ plain, ours, peer })) {
  const server = app.listen(0, '127.0.0.1', () => {
    ports[name] = server.address().port
    if (--pending === 0) console.log(JSON.stringify(ports))
  })
}
