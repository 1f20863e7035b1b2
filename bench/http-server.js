'use strict'
// The servers bench/http.js loads: the same folder through express.static, signedStatic, and the `signed`
// package's verifier in front of express.static, each on its own loopback port. Started as a child process so
// the load generator does not share its event loop.
const express = require('express')
const signedPeer = require('signed').default
const { signedStatic } = require('express-signed-url')

const [root, key] = [process.env.BENCH_ROOT, process.env.BENCH_KEY]
const plain = express()
plain.use(express.static(root))

const ours = express()
ours.use(signedStatic(root, { key }))

const peer = express()
peer.use(signedPeer({ secret: key }).verifier())
peer.use(express.static(root))

const ports = {}
let pending = 3
for (const [name, app] of Object.entries({ plain, ours, peer })) {
  const server = app.listen(0, '127.0.0.1', () => {
    ports[name] = server.address().port
    if (--pending === 0) console.log(JSON.stringify(ports))
  })
}
