'use strict'
// The path-length, forged-against-valid, rotated-key and page groups of bench/bench.js.
const { createHmac, createSecretKey, randomBytes } = require('node:crypto')
const Keygrip = require('keygrip')
const { createSigner, signUrls } = require('express-signed-url')
const { forge, longPath, messageOf, verifyLimit } = require('./links')
const { PATH } = require('./micro-verify')

const LENGTHS = (process.env.BENCH_LENGTHS ?? '100,1000,4000,8000').split(',').map(Number)

function moreGroups(secret) {
  const ours = createSigner({ key: secret, ttl: 3600 })
  return [lengths(secret, ours), forged(ours), keys(), page(secret, ours)]
}

// Each length plain and percent-encoded, against the limit of its own string to sign.
function lengths(secret, ours) {
  const tasks = {}
  const ratios = []
  for (const length of LENGTHS)
    for (const encoded of [false, true]) {
      const name = `${length}-character path${encoded ? ', percent-encoded' : ''}`
      const link = ours.sign(longPath(length, encoded))
      if (link.indexOf('?') !== length + 1) throw new Error(`${name}: its link path is ${link.indexOf('?') - 1} long`)
      tasks[`${name}: verify()`] = () => ours.verify(link).ok
      tasks[`${name}: limit`] = verifyLimit(secret, messageOf(link))
      const task = `${name}: verify()`
      ratios.push({ label: `${name} / its limit`, task, against: `${name}: limit`, target: { min: 0.5 } })
    }
  return {
    key: 'lengths',
    title: 'verify: path lengths (the link form of the path; each against the limit of its own string to sign)',
    tasks,
    ratios,
    batch: 20,
  }
}

// A forgery must not be cheaper to send than a valid link: each forged link against its own valid twin.
function forged(ours) {
  const grant = ours.grant('private/hls/')
  const segment = '/private/hls/seg-001.ts'
  const twins = {
    plain: ours.sign(PATH),
    'percent-encoded path': ours.sign('private/café/naïve photo.jpg'),
    'download name': ours.sign(PATH, { filename: 'Report 2026.pdf' }),
    'uses: 3': ours.sign(PATH, { uses: 3 }),
  }
  const refused = (result) => result.error?.code === 'ERR_SIGNATURE_INVALID'
  const tasks = {}
  const ratios = []
  for (const [name, link] of Object.entries(twins)) {
    const fake = forge(link)
    tasks[`${name}: valid`] = () => ours.verify(link).ok
    tasks[`${name}: forged link (refused)`] = () => refused(ours.verify(fake))
    ratios.push({ label: `${name}: forged / valid`, task: `${name}: forged link (refused)`, against: `${name}: valid` })
  }
  const fakeGrant = forge(grant.value, grant.value.lastIndexOf('.') + 1)
  tasks['grant cookie: valid'] = () => ours.verify(segment, { grants: [grant.value] }).ok
  tasks['grant cookie: forged (refused)'] = () => {
    const result = ours.verify(segment, { grants: [fakeGrant] })
    return !result.ok && result.error !== undefined
  }
  ratios.push({
    label: 'grant cookie: forged / valid',
    task: 'grant cookie: forged (refused)',
    against: 'grant cookie: valid',
  })
  for (const ratio of ratios) ratio.target = { min: 0.9, text: '≈ 1 (≥ 0.9)' }
  return { key: 'forged', title: 'verify: forged against valid (each forgery against its valid twin)', tasks, ratios }
}

function keys() {
  const tenKeys = Array.from({ length: 10 }, (_, i) => ({ id: `k${i}`, secret: randomBytes(32) }))
  const oneWithId = createSigner({ keys: [tenKeys[0]] })
  const tenWithIds = createSigner({ keys: tenKeys })
  const tenWithoutIds = createSigner({ keys: tenKeys.map((k) => k.secret) })
  // The worst case without ids: the link was signed by the oldest key, so every key is tried.
  const oldestLink = createSigner({ key: tenKeys[9].secret }).sign(PATH)
  const { message } = messageOf(oldestLink)
  const keygrip10 = new Keygrip(
    tenKeys.map((k) => k.secret),
    'sha256',
  )
  const keygripOldest = new Keygrip([tenKeys[9].secret], 'sha256').sign(message)
  const oneLink = oneWithId.sign(PATH)
  const tenLink = tenWithIds.sign(PATH)
  const tasks = {
    '1 key, key id': () => oneWithId.verify(oneLink).ok,
    '10 keys, key id': () => tenWithIds.verify(tenLink).ok,
    '10 keys, no ids, oldest key': () => tenWithoutIds.verify(oldestLink).ok,
    'keygrip, 10 keys, oldest key': () => keygrip10.verify(message, keygripOldest),
  }
  const ratios = Object.keys(tasks)
    .slice(1)
    .map((task) => ({ label: `${task} / 1 key, key id`, task, against: '1 key, key id' }))
  return { key: 'keys', title: 'verify with rotated keys', tasks, ratios }
}

function page(secret, ours) {
  const keyObject = createSecretKey(secret)
  const middleware = signUrls(ours)
  const res = { locals: {} }
  middleware({}, res, () => {})
  const tasks = {
    'createHmac: 100 link strings': () => {
      let html = ''
      for (let i = 0; i < 100; i++) {
        const p = `private/img-${i}.png`
        const message = `${p}?expiry=${Math.floor(Date.now() / 1000) + 3600}&method=get`
        html += `<img src="/${message}&signature=${createHmac('sha256', keyObject).update(message).digest('base64url')}">`
      }
      return html
    },
    '100 res.locals.signUrl': () => {
      let html = ''
      for (let i = 0; i < 100; i++) html += `<img src="${res.locals.signUrl(`private/img-${i}.png`)}">`
      return html
    },
  }
  const ratios = [
    { label: 'signUrl / createHmac', task: '100 res.locals.signUrl', against: 'createHmac: 100 link strings' },
  ]
  return { key: 'page', title: 'a page that prints 100 links (per page)', tasks, ratios, batch: 1 }
}

module.exports = { moreGroups }
