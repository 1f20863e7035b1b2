// A revocation: what revoke and revokeFolder make of their arguments, and its text, which every process (and the
// Worker) must read back exactly, refusing anything that is not one.
import { createSigner } from 'express-signed-url'
import { KEY, NOW_MS } from '../support/helpers'
import { SLACK_SECONDS } from '../../lib/store/link-store'
import {
  decodeRevocation,
  encodeRevocation,
  folderRevocation,
  linkRevocation,
  revocationOf,
  type Revocation,
} from '../../lib/store/revocation'

const NOW = NOW_MS / 1000
const signer = createSigner({ key: KEY, now: () => NOW_MS })
const SIG = `${'S'.repeat(42)}A`

describe('linkRevocation()', () => {
  it('takes a link by its signature, until its expiry and the slack', () => {
    const link = signer.sign('private/a.png', { ttl: 60 })
    expect(linkRevocation(`https://files.example.com${link}`)).toEqual({
      signature: link.slice(-43),
      until: NOW + 60 + SLACK_SECONDS,
    })
  })

  it('takes a grant cookie value by its signature', () => {
    const grant = signer.grant('private/videos/', { ttl: 120 })
    expect(linkRevocation(grant.value)).toEqual({ signature: grant.value.slice(-43), until: NOW + 120 + SLACK_SECONDS })
  })

  it.each([
    ['a number', 5, /must be a string/],
    ['a path', '/private/a.png', /not a signed link or a grant cookie value/],
    ['an empty string', '', /not a signed link/],
  ])('refuses %s with a TypeError', (_what, link, message) => {
    expect(() => linkRevocation(link)).toThrow(TypeError)
    expect(() => linkRevocation(link)).toThrow(message)
  })
})

describe('folderRevocation()', () => {
  it('takes back links made until now, for maxTtl (default 7 days) and the slack', () => {
    expect(folderRevocation('/private/', undefined, NOW + 0.7)).toEqual({
      folder: 'private/',
      issuedBefore: NOW,
      until: NOW + 7 * 86400 + SLACK_SECONDS,
    })
    expect(folderRevocation('/', { issuedBefore: new Date(NOW_MS - 5000), maxTtl: 60 }, NOW)).toEqual({
      folder: '',
      issuedBefore: NOW - 5,
      until: NOW - 5 + 60 + SLACK_SECONDS,
    })
  })

  it('with expiringBefore, lasts until that time and the slack', () => {
    expect(folderRevocation('a/b/', { expiringBefore: NOW + 10 }, NOW)).toEqual({
      folder: 'a/b/',
      expiringBefore: NOW + 10,
      until: NOW + 10 + SLACK_SECONDS,
    })
  })

  it.each([
    ['a folder without its slash', 'private', {}, /"folder" must be a folder ending in "\/"/],
    ['a folder that climbs', 'a/../b/', {}, /"folder"/],
    ['an encoded folder', '/a%20b/', {}, /give the folder decoded/],
    ['both times', 'a/', { issuedBefore: 1, expiringBefore: 2 }, /not both/],
    ['an unknown option', 'a/', { issuedbefore: 1 }, /issuedBefore/],
    ['a bad maxTtl', 'a/', { maxTtl: 0 }, /"maxTtl" must be a positive number/],
  ])('refuses %s with a TypeError naming it', (_what, folder, options, message) => {
    expect(() => folderRevocation(folder, options, NOW)).toThrow(TypeError)
    expect(() => folderRevocation(folder, options, NOW)).toThrow(message)
  })
})

describe('encodeRevocation() and decodeRevocation()', () => {
  const revocations: Revocation[] = [
    { signature: SIG, until: NOW + 1 },
    { folder: '', issuedBefore: NOW, until: NOW + 2 },
    { folder: 'a/b c/', expiringBefore: NOW + 3, until: NOW + 4 },
  ]

  it.each(revocations)('reads back what it wrote: %j', (revocation) => {
    expect(decodeRevocation(encodeRevocation(revocation))).toEqual(revocation)
  })

  it('writes JSON, and reads a message that carries more fields (the channel numbers its messages)', () => {
    expect(JSON.parse(encodeRevocation(revocations[0]))).toEqual(revocations[0])
    expect(revocationOf({ seq: 7, ...revocations[1] })).toEqual(revocations[1])
  })

  it.each([
    ['text that is not JSON', '{"signature":'],
    ['a signature that is not canonical', JSON.stringify({ signature: `${'S'.repeat(42)}B`, until: 1 })],
    ['an until that is not a whole number', JSON.stringify({ signature: SIG, until: 1.5 })],
    ['a folder without its slash', JSON.stringify({ folder: 'a', issuedBefore: 1, until: 2 })],
    ['a folder with both times', JSON.stringify({ folder: 'a/', issuedBefore: 1, expiringBefore: 1, until: 2 })],
    ['a folder with neither time', JSON.stringify({ folder: 'a/', until: 2 })],
    ['null', 'null'],
  ])('reads nothing from %s', (_what, text) => {
    expect(decodeRevocation(text)).toBeUndefined()
  })
})
