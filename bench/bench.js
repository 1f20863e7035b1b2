'use strict'
// Micro-benchmarks, side by side in one process. Each group's tasks run in rounds, every round in a fresh random
// order, each timed by its CPU per operation (process.cpuUsage) with wall time beside it; ratios are taken round by
// round and printed as the median with its spread (bench/support/rounds.js). The reference is the limit: the
// prepared-pad HMAC (lib/crypto/mac.ts) of the same string to sign, so a ratio says what everything around the MAC
// costs. Where issue 29 names a target, it is printed beside the median with whether the median meets it.
//
//   npm run bench                                  # 15 rounds of about 100 ms per task
//   BENCH_ROUNDS=1 BENCH_TIME=5 npm run bench       # a quick smoke run (what the test suite does)
//   BENCH_OPS=2000 npm run bench                   # a fixed number of operations per task and round instead
//   BENCH_GROUPS=verify,shapes npm run bench       # only these groups (sign, verify, shapes, lengths, forged,
//                                                  # keys, page)
const { randomBytes } = require('node:crypto')
const { describeSettings, machine, printGroup, runGroup } = require('./support/rounds')
const { verifyGroups } = require('./support/micro-verify')
const { moreGroups } = require('./support/micro-more')

function main() {
  console.log(`express-signed-url micro-benchmarks: ${machine()}`)
  console.log(`${describeSettings()}\n`)
  const secret = randomBytes(32)
  const only = process.env.BENCH_GROUPS?.split(',')
  for (const group of [...verifyGroups(secret), ...moreGroups(secret)]) {
    if (only !== undefined && !only.includes(group.key)) continue
    printGroup(runGroup(group))
  }
}

try {
  main()
} catch (err) {
  console.error(err)
  process.exitCode = 1
}
