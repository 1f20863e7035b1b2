'use strict'
// The sign, verify and shape groups of bench/bench.js. Each limit is the prepared-pad HMAC of the very string the
// row's link signs (bench/support/links.js), so a ratio against it is what the parsing and checks around the MAC
// cost; issue 29's targets are printed beside the ratios they name.
const { createHmac, createSecretKey, timingSafeEqual } = require('node:crypto')
const Keygrip = require('keygrip')
const signedPeer = require('signed').default
const { createSigner } = require('express-signed-url')
const { grantMessageOf, messageOf, signLimit, verifyLimit } = require('./links')

const PATH = 'private/images/photo-2026-11-28.jpg'

/** The groups, for one secret (32 bytes). */
function verifyGroups(secret) {
  const ours = createSigner({ key: secret, ttl: 3600 })
  const keyObject = createSecretKey(secret)
  const keygrip = new Keygrip([secret], 'sha256')
  const signed = signedPeer({ secret: secret.toString('base64url'), ttl: 3600 })

  const link = ours.sign(PATH)
  const plain = messageOf(link)
  const sign = {
    key: 'sign',
    title: 'sign: one link',
    tasks: {
      'limit: prepared-pad HMAC': signLimit(secret, plain.message),
      'express-signed-url sign()': () => ours.sign(PATH),
      'createHmac + link string': () => {
        const message = `${PATH}?expiry=${Math.floor(Date.now() / 1000) + 3600}&method=get`
        return `/${message}&signature=${createHmac('sha256', keyObject).update(message).digest('base64url')}`
      },
      'keygrip (sha256) + link string': () => {
        const message = `${PATH}?expiry=${Math.floor(Date.now() / 1000) + 3600}&method=get`
        return `/${message}&signature=${keygrip.sign(message)}`
      },
      'signed (sha1 hash)': () => signed.sign(`/${PATH}`),
    },
  }
  sign.ratios = Object.keys(sign.tasks)
    .slice(1)
    .map((task) => ({ label: `${task} / limit`, task, against: 'limit: prepared-pad HMAC' }))

  const keygripLink = `/${plain.message}&signature=${keygrip.sign(plain.message)}`
  const signedLink = signed.sign(`/${PATH}`)
  const verify = {
    key: 'verify',
    title: 'verify: one request URL',
    tasks: {
      'limit: prepared-pad HMAC': verifyLimit(secret, plain),
      'express-signed-url verify()': () => ours.verify(link).ok,
      'express-signed-url verify(), again (control)': () => ours.verify(link).ok,
      'createHmac + timingSafeEqual (pre-parsed)': () =>
        timingSafeEqual(createHmac('sha256', keyObject).update(plain.message).digest(), plain.signature),
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
  const limit = 'limit: prepared-pad HMAC'
  verify.ratios = [
    { label: 'verify() / limit', task: 'express-signed-url verify()', against: limit, target: { min: 0.8 } },
    {
      label: 'control: verify() again / verify()',
      task: 'express-signed-url verify(), again (control)',
      against: 'express-signed-url verify()',
      target: { near: 1 },
    },
    { label: 'createHmac (pre-parsed) / limit', task: 'createHmac + timingSafeEqual (pre-parsed)', against: limit },
    { label: 'keygrip / limit', task: 'keygrip (sha256) verify + parse', against: limit },
    { label: 'signed / limit', task: 'signed (sha1 hash) verify', against: limit },
  ]
  return [sign, verify, shapes(secret, ours, link)]
}

// Each shape's verify() against a plain link's and against the limit of its own string to sign.
function shapes(secret, ours, plainLink) {
  const now = Math.floor(Date.now() / 1000)
  const issued = createSigner({ key: secret, ttl: 3600, stampIssued: true })
  const withId = createSigner({ keys: [{ id: 'k2026', secret }], ttl: 3600 })
  const grant = ours.grant('private/hls/')
  const segment = '/private/hls/seg-001.ts'
  const list = [
    ['download name', ours.sign(PATH, { filename: 'Report 2026.pdf' })],
    ['path with a space', ours.sign('private/my photo.jpg')],
    ['non-ASCII path', ours.sign('private/café/naïve.jpg')],
    ['stampIssued', issued.sign(PATH)],
    ['uses: 3', ours.sign(PATH, { uses: 3 })],
    ['scope link', ours.sign(PATH, { scope: 'private/' })],
    ['stableFor', ours.sign(PATH, { stableFor: 600 })],
    ['key id', withId.sign(PATH)],
    ['notBefore + ip + filename', ours.sign(PATH, { notBefore: now - 60, ip: ['10.0.0.0/8'], filename: 'a b.pdf' })],
  ]
  const signerOf = { stampIssued: issued, 'key id': withId }
  const tasks = {
    'plain: verify()': () => ours.verify(plainLink).ok,
    'plain: limit': verifyLimit(secret, messageOf(plainLink)),
  }
  for (const [name, link] of list) {
    const signer = signerOf[name] ?? ours
    const options = name.includes('ip') ? { ip: '10.1.2.3' } : undefined
    tasks[`${name}: verify()`] = () => signer.verify(link, options).ok
    tasks[`${name}: limit`] = verifyLimit(secret, messageOf(link))
  }
  tasks['HLS segment, grant cookie: verify()'] = () => ours.verify(segment, { grants: [grant.value] }).ok
  tasks['HLS segment, grant cookie: limit'] = verifyLimit(secret, grantMessageOf(grant.value))
  const names = ['plain', ...list.map(([name]) => name), 'HLS segment, grant cookie']
  const ratios = [
    { label: 'plain / its limit', task: 'plain: verify()', against: 'plain: limit', target: { min: 0.8 } },
  ]
  for (const name of names.slice(1)) {
    const task = `${name}: verify()`
    ratios.push({ label: `${name} / plain verify()`, task, against: 'plain: verify()', target: { min: 0.8 } })
    ratios.push({ label: `${name} / its limit`, task, against: `${name}: limit` })
  }
  return {
    key: 'shapes',
    title: 'verify: link shapes (each against a plain link, and against the limit of its own string to sign)',
    tasks,
    ratios,
  }
}

module.exports = { verifyGroups, PATH }
