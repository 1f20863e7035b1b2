'use strict'
// What verification costs on the other engines, each against its own floor, in rounds of one run, each
// round in a fresh random order:
// - nginx: requests/s through the njs verifier (examples/nginx) against the same files from a plain location of
//   the same nginx, 1 kB and 1 MB, on loopback;
// - workerd: verifications/s of the web signer's verify() inside a Worker against one crypto.subtle.verify of
//   the same string to sign with a key imported once (the floor), timed from outside around a loop of n.
//
//   npm run bench:engines
//   BENCH_ENGINES_ROUNDS=5 BENCH_ENGINES_SECONDS=5 npm run bench:engines
const { randomBytes } = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { ROUNDS } = require('./support/engines-common')
const { machine } = require('./support/rounds')
const { nginxRows } = require('./support/engines-nginx')
const { workerdRows } = require('./support/engines-workerd')

async function main() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'signed-url-bench-'))
  // Readable by nginx's worker processes, which drop root.
  fs.chmodSync(root, 0o755)
  fs.mkdirSync(path.join(root, 'private'), { mode: 0o755 })
  fs.writeFileSync(path.join(root, 'private', '1kB.bin'), randomBytes(1024))
  fs.writeFileSync(path.join(root, 'private', '1MB.bin'), randomBytes(1024 * 1024))
  const key = randomBytes(32).toString('base64url')
  console.log(
    `Engines on loopback: ${machine()}; ${ROUNDS} rounds in a random order, medians (per-round ratios' min–max)\n`,
  )
  try {
    await nginxRows(root, key)
    await workerdRows(key)
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
