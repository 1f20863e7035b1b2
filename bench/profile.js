'use strict'
// Where verify() spends its time: runs it in a loop for a few seconds under the V8 CPU profiler and prints the
// functions with the most self time. `npm run bench:profile` (BENCH_PROFILE_SECONDS changes the length).
const { randomBytes } = require('node:crypto')
const { Session } = require('node:inspector')
const { createSigner } = require('express-signed-url')

const SECONDS = Number(process.env.BENCH_PROFILE_SECONDS ?? 4)
const signer = createSigner({ key: randomBytes(32) })
const link = signer.sign('private/images/photo-2026-11-28.jpg')
if (!signer.verify(link).ok) throw new Error('the link to profile does not verify')

const session = new Session()
session.connect()
const post = (method, params) =>
  new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))))

async function main() {
  await post('Profiler.enable')
  await post('Profiler.setSamplingInterval', { interval: 100 })
  await post('Profiler.start')
  let accepted = 0
  const end = Date.now() + SECONDS * 1000
  while (Date.now() < end) for (let i = 0; i < 1000; i++) accepted += signer.verify(link).ok ? 1 : 0
  const { profile } = await post('Profiler.stop')
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map()
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id).callFrame
    const name = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop()}`.trim()
    self.set(name, (self.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  const total = [...self.values()].reduce((a, b) => a + b, 0)
  console.log(
    `verify() profile: ${accepted} verifications in ${SECONDS} s, Node ${process.version}; self time by function\n`,
  )
  for (const [name, time] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 14)) {
    console.log(`${((100 * time) / total).toFixed(1).padStart(6)}%  ${name}`)
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
