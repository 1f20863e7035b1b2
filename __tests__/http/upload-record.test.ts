// What the partial folder keeps of each resumable upload (upload-record.ts): its id from its link, the link that
// created it (for revocation), its expiry, and its landed mark.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createSigner } from 'express-signed-url'
import type { VerifiedLink } from '../../lib/http/middleware'
import {
  clearUpload,
  keepLink,
  expiryOf,
  landedSize,
  markLanded,
  parentOf,
  readMetadata,
  uploadIdOf,
} from '../../lib/http/upload-record'
import { NOW_MS } from '../support/helpers'

const signer = createSigner({ key: 'k'.repeat(40), now: () => NOW_MS })
const stamping = createSigner({ key: 'k'.repeat(40), now: () => NOW_MS, stampIssued: true })
const verified = (link: string, s = signer): VerifiedLink => {
  const result = s.verify(link, { method: 'PUT' })
  if (!result.ok) throw new Error(result.error.code)
  return result
}

let dir: string
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'upload-record-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('uploadIdOf()', () => {
  it("is 22 base64url characters from the link's signature: one per link, another for another link", () => {
    const a = verified(signer.sign('a.bin', { method: 'put' }))
    const b = verified(signer.sign('b.bin', { method: 'put' }))
    expect(uploadIdOf(a)).toMatch(/^[\w-]{22}$/)
    expect(uploadIdOf(a)).toBe(uploadIdOf(verified(signer.sign('a.bin', { method: 'put' }))))
    expect(uploadIdOf(a)).not.toBe(uploadIdOf(b))
    // Not the signature's own characters: the id in a Location does not give the creating link away.
    expect(a.signature.startsWith(uploadIdOf(a))).toBe(false)
  })
})

describe('keepLink() and parentOf()', () => {
  it("gives a Location's creating link back, as a store checks it: its signature and issue time", async () => {
    const parent = verified(stamping.sign('a.bin', { method: 'put' }), stamping)
    const id = uploadIdOf(parent)
    await keepLink(dir, id, parent)
    const later = createSigner({ key: 'k'.repeat(40), now: () => NOW_MS + 5000, stampIssued: true })
    const location = verified(later.sign('a.bin', { method: 'put', expiresAt: parent.expiresAt, upload: id }), later)
    const found = await parentOf(dir, location)
    expect([found?.signature, found?.issued, found?.path, found?.expiresAt]).toEqual([
      parent.signature,
      parent.issued,
      'a.bin',
      parent.expiresAt,
    ])
    // The Location itself is untouched.
    expect(location.issued).toBe(Math.floor((NOW_MS + 5000) / 1000))
  })

  it('finds no parent for a link without an upload, an upload without a record, or a record not JSON', async () => {
    const plain = verified(signer.sign('a.bin', { method: 'put' }))
    expect(await parentOf(dir, plain)).toBeUndefined()
    const id = 'AAAAAAAAAAAAAAAAAAAAAA'
    const location = verified(signer.sign('a.bin', { method: 'put', upload: id }))
    expect(await parentOf(dir, location)).toBeUndefined()
    writeFileSync(path.join(dir, `${id}.link`), '{not json')
    expect(await parentOf(dir, location)).toBeUndefined()
    writeFileSync(path.join(dir, `${id}.json`), '{not json')
    expect(await readMetadata(path.join(dir, `${id}.json`))).toBeUndefined()
  })
})

describe('landedSize(), markLanded(), expiryOf() and clearUpload()', () => {
  it("marks an upload landed with its size, and drops tus's record of it", async () => {
    const id = 'BBBBBBBBBBBBBBBBBBBBBB'
    writeFileSync(path.join(dir, `${id}.json`), '{}')
    expect(await landedSize(dir, id)).toBeUndefined()
    await markLanded(dir, id, 11)
    expect(await landedSize(dir, id)).toBe(11)
    expect(readdirSync(dir)).toEqual([`${id}.landed`])
    writeFileSync(path.join(dir, `${id}.landed`), 'nonsense')
    expect(await landedSize(dir, id)).toBeUndefined()
  })

  it('keeps the expiry with the creating link', async () => {
    const link = verified(signer.sign('a.bin', { method: 'put', ttl: 90 }))
    await keepLink(dir, 'DDDDDDDDDDDDDDDDDDDDDD', link)
    expect(await expiryOf(dir, 'DDDDDDDDDDDDDDDDDDDDDD')).toBe(link.expiresAt)
    expect(await expiryOf(dir, 'EEEEEEEEEEEEEEEEEEEEEE')).toBeUndefined()
  })

  it('clears bytes, records, mark and landing names of one upload, and nothing else', async () => {
    const id = 'BBBBBBBBBBBBBBBBBBBBBB'
    const other = 'CCCCCCCCCCCCCCCCCCCCCC'
    const names = [
      id,
      `${id}.json`,
      `${id}.link`,
      `${id}.landed`,
      `${id}.landing.0123456789abcdef`,
      other,
      `${other}.json`,
    ]
    for (const name of names) writeFileSync(path.join(dir, name), 'x')
    await clearUpload(dir, id, readdirSync(dir))
    expect(readdirSync(dir).sort()).toEqual([other, `${other}.json`])
    await expect(clearUpload(dir, id)).resolves.toBeUndefined()
  })
})
