'use strict'
// The servers bench/http.js loads: the same folder through express.static, signedStatic, and the `signed`
// package's verifier in front of express.static, each on its own loopback port, all in this one process so their
// CPU is measured alike. Started as a child process so the load generator does not share its event loop. It
// counts the requests each server answers and reports its own CPU time (process.cpuUsage) when asked over IPC.
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

process.on('message', () => {
  const { user, system } = process.cpuUsage()
  process.send({ cpu: user + system, served: { ...served } })
})

const ports = {}
let pending = 3
for (const [name, app] of Object.entries({ plain, ours, peer })) {
  const server = app.listen(0, '127.0.0.1', () => {
    ports[name] = server.address().port
    if (--pending === 0) console.log(JSON.stringify(ports))
  })
}
