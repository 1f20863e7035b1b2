'use strict'
// What the micro-benchmarks build their tasks from: the limit (the prepared-pad HMAC that lib/crypto/mac.ts
// computes, two one-shot crypto.hash calls over pads made once per key) of a link's own string to sign, the string
// to sign read back from a link or a grant cookie, long paths, and forged twins of valid links.
const { macBase64Url, macKey, macMatches } = require('../../dist/crypto/mac.js')

/**
 * A link's string to sign, read from its text: the decoded path (for a scope link, the folder of its first
 * `scope` segments) and the query up to `&signature=`. Only for canonical links the signer made, whose query is
 * already in the one spelling the string to sign uses; each limit task checks it against the signature.
 */
function messageOf(link) {
  const mark = link.indexOf('?')
  const at = link.indexOf('&signature=')
  let path = decodeURIComponent(link.slice(1, mark))
  const query = link.slice(mark, at)
  const scope = /&scope=(\d+)/.exec(query)
  if (scope) path = `${path.split('/').slice(0, Number(scope[1])).join('/')}/`
  return { message: path + query, signature: Buffer.from(link.slice(at + 11, at + 54), 'base64url') }
}

/** A grant cookie value's string to sign: what a scope link for its folder signs. */
function grantMessageOf(value) {
  const [folder64, expiry, kid, signature] = value.split('.')
  const folder = Buffer.from(folder64, 'base64url').toString('utf8')
  const depth = folder.split('/').length - 1
  const kidField = kid === '' ? '' : `&kid=${kid}`
  return {
    message: `${folder}?expiry=${expiry}&method=get${kidField}&scope=${depth}`,
    signature: Buffer.from(signature, 'base64url'),
  }
}

/** The limit of verifying: the prepared-pad HMAC of the same string to sign, compared in constant time. */
function verifyLimit(secret, { message, signature }) {
  const key = macKey({ bytes: secret })
  return () => macMatches(key, message, signature)
}

/** The limit of signing: the prepared-pad HMAC of the same string to sign, in base64url. */
function signLimit(secret, message) {
  const key = macKey({ bytes: secret })
  return () => macBase64Url(key, message)
}

/**
 * A link path (no leading `/`) exactly `length` characters long in its link form, ending `.bin`: plain
 * (unreserved characters only) or percent-encoded throughout (a non-ASCII name with spaces, so the link form is
 * about three times its decoded length). Returns the decoded path, which is what is signed.
 */
function longPath(length, encoded) {
  const unit = encoded ? 'na%C3%AFve%20caf%C3%A9/' : 'd0123456/'
  let text = 'private/'
  while (text.length + unit.length <= length - 5) text += unit
  text = text.padEnd(length - 4, 'x') + '.bin'
  return decodeURIComponent(text)
}

/**
 * The same link with one signature character changed, still canonical base64url (the first character carries six
 * full bits, so any other letter decodes to 32 bytes that differ from the valid ones). `at`: where the signature
 * starts (a grant cookie's after its last `.`).
 */
function forge(text, at = text.indexOf('signature=') + 10) {
  return text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1)
}

module.exports = { messageOf, grantMessageOf, verifyLimit, signLimit, longPath, forge }
