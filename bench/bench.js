'use strict'
// Micro-benchmarks, side by side in one run: each group's tasks are measured in alternating rounds (the order
// rotates every round) and the table shows the median ops/s over the rounds and each task's ratio to the
// group's baseline, taken round by round. Shared, noisy machines make absolute numbers move; ratios taken in
// the same rounds move much less.
//
//   npm run bench                  # 7 rounds of 150 ms per task
//   BENCH_ROUNDS=3 BENCH_TIME=20 npm run bench   # a quick smoke run (what the test suite does)
const { createHmac, createSecretKey, timingSafeEqual, randomBytes } = require('node:crypto')
const os = require('node:os')
const { Bench } = require('tinybench')
const Keygrip = require('keygrip')
const signedPeer = require('signed').default
const { createSigner, signUrls } = require('express-signed-url')

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const TIME = Number(process.env.BENCH_TIME ?? 150)
const BATCH = 100 // operations per timed call, so timer overhead stays out of the figures

const key = randomBytes(32).toString('base64url')
const path = 'private/images/photo-2026-11-28.jpg'

// The floor gets the same advantage as our signer: a KeyObject made once, not a key imported on every call.
const keyObject = createSecretKey(Buffer.from(key))

function hmacSign(text) {
  return createHmac('sha256', keyObject).update(text).digest('base64url')
}

// ---- sign ----
const ours = createSigner({ key, ttl: 3600 })
const keygrip = new Keygrip([key], 'sha256')
const signed = signedPeer({ secret: key, ttl: 3600 })
const signGroup = {
  title: 'sign: one link',
  baseline: 'floor: HMAC + link string',
  tasks: {
    'floor: HMAC + link string': () => {
      const e = Math.floor(Date.now() / 1000) + 3600
      const s = `${path}?expiry=${e}&method=get`
      return `/${path}?expiry=${e}&method=get&signature=${hmacSign(s)}`
    },
    'express-signed-url sign()': () => ours.sign(path),
    'keygrip (sha256) + link string': () => {
      const e = Math.floor(Date.now() / 1000) + 3600
      const s = `${path}?expiry=${e}&method=get`
      return `/${path}?expiry=${e}&method=get&signature=${keygrip.sign(s)}`
    },
    'signed (sha1 hash)': () => signed.sign(`/${path}`),
  },
}

// ---- verify ----
const link = ours.sign(path)
const stringToSign = `${path}?expiry=${/expiry=(\d+)/.exec(link)[1]}&method=get`
const expected = Buffer.from(link.split('signature=')[1], 'base64url')
const keygripLink = `/${stringToSign}&signature=${keygrip.sign(stringToSign)}`
const signedLink = signed.sign(`/${path}`)
const verifyGroup = {
  title: 'verify: one request URL',
  baseline: 'floor: HMAC + timingSafeEqual',
  tasks: {
    'floor: HMAC + timingSafeEqual': () =>
      timingSafeEqual(createHmac('sha256', keyObject).update(stringToSign).digest(), expected),
    'express-signed-url verify()': () => ours.verify(link).ok,
    'keygrip (sha256) verify + parse': () => {
      const at = keygripLink.lastIndexOf('&signature=')
      return keygrip.verify(keygripLink.slice(1, at), keygripLink.slice(at + 11))
    },
    'signed (sha1 hash) verify': () => {
      try {
        return signed.verify(signedLink)
      } catch {
        return false
      }
    },
  },
}

// ---- a long path ----
// A 1000-character path: the floor is the HMAC of its longer message, so this ratio shows what the path check costs.
const longPath = `private/${'d0123456/'.repeat(110)}`.slice(0, 996) + '.bin' // 1000 characters
const longLink = ours.sign(longPath)
const longMessage = `${longPath}?expiry=${/expiry=(\d+)/.exec(longLink)[1]}&method=get`
const longExpected = Buffer.from(longLink.split('signature=')[1], 'base64url')
const longGroup = {
  title: `verify: a ${longPath.length}-character path`,
  baseline: 'floor: HMAC + timingSafeEqual',
  tasks: {
    'floor: HMAC + timingSafeEqual': () =>
      timingSafeEqual(createHmac('sha256', keyObject).update(longMessage).digest(), longExpected),
    'express-signed-url verify()': () => ours.verify(longLink).ok,
  },
}

// ---- forged against valid ----
// A forged link must cost no more than a valid one, or refusals become the cheap way to load a server.
const forgedLink = link.replace(/signature=(.)/, (_, c) => `signature=${c === 'A' ? 'B' : 'A'}`)
const forgedGroup = {
  title: 'verify: forged against valid',
  baseline: 'valid link',
  tasks: {
    'valid link': () => ours.verify(link).ok,
    'forged link (refused)': () => ours.verify(forgedLink).error.code === 'ERR_SIGNATURE_INVALID',
    'forged, percent-encoded path': (() => {
      const encoded = forgedLink.replace('/private/', '/%70rivate/')
      return () => ours.verify(encoded).error.code === 'ERR_SIGNATURE_INVALID'
    })(),
  },
}

// ---- link options ----
// A link with notbefore, ip and a download name takes the general parser and two more checks after the MAC.
const fieldsLink = ours.sign(path, {
  notBefore: Math.floor(Date.now() / 1000) - 60,
  ip: ['10.0.0.0/8', '2001:db8::/32'],
  filename: 'Report 2026.pdf',
})
const fieldsGroup = {
  title: 'verify: a link with link options (notbefore, ip, filename)',
  baseline: 'plain link',
  tasks: {
    'plain link': () => ours.verify(link, { ip: '10.1.2.3' }).ok,
    'link with the three fields': () => ours.verify(fieldsLink, { ip: '10.1.2.3' }).ok,
  },
}

// ---- rotated keys ----
const tenKeys = Array.from({ length: 10 }, (_, i) => ({ id: `k${i}`, secret: randomBytes(32) }))
const oneWithId = createSigner({ keys: [tenKeys[0]] })
const tenWithIds = createSigner({ keys: tenKeys })
const tenWithoutIds = createSigner({ keys: tenKeys.map((k) => k.secret) })
// The worst case without ids: the link was signed by the oldest key, so every key is tried.
const oldestLink = createSigner({ key: tenKeys[9].secret }).sign(path)
const keygrip10 = new Keygrip(
  tenKeys.map((k) => k.secret),
  'sha256',
)
const keygripOldest = new Keygrip([tenKeys[9].secret], 'sha256').sign(stringToSign)
const keysGroup = {
  title: 'verify with rotated keys',
  baseline: '1 key, key id',
  tasks: {
    '1 key, key id': (() => {
      const l = oneWithId.sign(path)
      return () => oneWithId.verify(l).ok
    })(),
    '10 keys, key id': (() => {
      const l = tenWithIds.sign(path)
      return () => tenWithIds.verify(l).ok
    })(),
    '10 keys, no ids, oldest key': () => tenWithoutIds.verify(oldestLink).ok,
    'keygrip, 10 keys, oldest key': () => keygrip10.verify(stringToSign, keygripOldest),
  },
}

// ---- a page of links ----
const middleware = signUrls(ours)
const res = { locals: {} }
middleware({}, res, () => {})
const pageGroup = {
  title: 'a page that prints 100 links (per page)',
  baseline: 'floor: 100 HMAC + link strings',
  batch: 1,
  tasks: {
    'floor: 100 HMAC + link strings': () => {
      let html = ''
      for (let i = 0; i < 100; i++) {
        const e = Math.floor(Date.now() / 1000) + 3600
        const p = `private/img-${i}.png`
        html += `<img src="/${p}?expiry=${e}&method=get&signature=${hmacSign(`${p}?expiry=${e}&method=get`)}">`
      }
      return html
    },
    '100 res.locals.signUrl': () => {
      let html = ''
      for (let i = 0; i < 100; i++) html += `<img src="${res.locals.signUrl(`private/img-${i}.png`)}">`
      return html
    },
  },
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

// Every task must do its job before it is timed: a verify that refused, or a sign that threw, would be fast
// for the wrong reason.
function checkTask(name, result) {
  const good = result === true || (typeof result === 'string' && result.length > 0)
  if (!good) throw new Error(`benchmark task "${name}" did not do its job (returned ${JSON.stringify(result)})`)
}

async function runGroup(group) {
  const names = Object.keys(group.tasks)
  for (const name of names) checkTask(name, group.tasks[name]())
  const batch = group.batch ?? BATCH
  const opsPerRound = new Map(names.map((n) => [n, []]))
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: TIME, warmupTime: Math.min(50, TIME) })
    const order = names.map((_, i) => names[(i + round) % names.length])
    for (const name of order) {
      const fn = group.tasks[name]
      if (batch === 1) bench.add(name, fn)
      else
        bench.add(name, () => {
          for (let i = 0; i < batch; i++) fn()
        })
    }
    await bench.run()
    for (const task of bench.tasks) opsPerRound.get(task.name).push(task.result.throughput.mean * batch)
  }
  const base = opsPerRound.get(group.baseline)
  return names.map((name) => {
    const ops = opsPerRound.get(name)
    return { name, ops: median(ops), ratio: median(ops.map((v, i) => v / base[i])) }
  })
}

function format(ops) {
  return ops >= 1e6 ? `${(ops / 1e6).toFixed(2)} M` : ops >= 1e3 ? `${(ops / 1e3).toFixed(1)} k` : ops.toFixed(0)
}

async function main() {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
  console.log(`express-signed-url micro-benchmarks: Node ${process.version}, ${cpu}, ${os.cpus().length} cores`)
  console.log(
    `${ROUNDS} interleaved rounds of ${TIME} ms per task; medians; ratio = ops/s against the group's first row\n`,
  )
  for (const group of [signGroup, verifyGroup, longGroup, forgedGroup, fieldsGroup, keysGroup, pageGroup]) {
    const rows = await runGroup(group)
    console.log(`${group.title}`)
    console.log(`  ${'task'.padEnd(36)}${'ops/s'.padStart(12)}${'ratio'.padStart(9)}`)
    for (const row of rows)
      console.log(
        `  ${row.name.padEnd(36)}${format(row.ops).padStart(12)}${row.ratio.toFixed(row.ratio < 0.1 ? 4 : 2).padStart(9)}`,
      )
    console.log('')
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
