// @tus/server's hooks' own pieces (tus-hooks.ts): the refusal a hook throws, the check of the creating link's
// revocation (failing closed), and the Location. The hooks at work are resumable.test.ts's and e2e's.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createSigner } from 'express-signed-url'
import type { VerifiedLink } from '../../lib/http/middleware'
import type { UploadSettings } from '../../lib/http/signed-upload-options'
import { creatorRevoked, locationOf, TusRefusal } from '../../lib/http/tus-hooks'
import { NOW_MS } from '../support/helpers'

const signer = createSigner({ key: 'k'.repeat(40), now: () => NOW_MS })
const put = (link: string, ip?: string): VerifiedLink => {
  const result = signer.verify(link, { method: 'PUT', ip })
  if (!result.ok) throw new Error(result.error.code)
  return result
}
const ID = 'AAAAAAAAAAAAAAAAAAAAAA'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tus-hooks-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('TusRefusal', () => {
  it('is an Error carrying the status and text @tus/server answers with', () => {
    const refusal = new TusRefusal(460, 'Checksum Mismatch\n')
    expect(refusal).toBeInstanceOf(Error)
    expect([refusal.status_code, refusal.body, refusal.message]).toEqual([
      460,
      'Checksum Mismatch\n',
      'Checksum Mismatch',
    ])
  })
})

describe('creatorRevoked()', () => {
  const asked: VerifiedLink[] = []
  const upload = (answer: boolean | 'unavailable') =>
    ({
      check: {
        revoked: (link: VerifiedLink) => {
          asked.push(link)
          return answer
        },
      },
    }) as unknown as UploadSettings
  beforeEach(() => {
    asked.length = 0
  })

  it('asks about the link itself for a creation', async () => {
    const link = put(signer.sign('a.bin', { method: 'put' }))
    expect(await creatorRevoked(upload(false), dir, link)).toBe(false)
    expect(asked).toEqual([link])
  })

  it("asks about the creating link kept beside the upload for a Location, and passes the store's answer on", async () => {
    writeFileSync(path.join(dir, `${ID}.link`), JSON.stringify({ signature: 'S'.repeat(43), issued: 5 }))
    const location = put(signer.sign('a.bin', { method: 'put', upload: ID }))
    for (const answer of [false, true, 'unavailable'] as const)
      expect(await creatorRevoked(upload(answer), dir, location)).toBe(answer)
    expect(asked.map((link) => [link.signature, link.issued, link.path])).toEqual(
      Array.from({ length: 3 }, () => ['S'.repeat(43), 5, 'a.bin']),
    )
  })

  it('takes an upload with no record of its creating link as revoked, without asking (it fails closed)', async () => {
    const location = put(signer.sign('a.bin', { method: 'put', upload: ID }))
    expect(await creatorRevoked(upload(false), dir, location)).toBe(true)
    expect(asked).toEqual([])
  })
})

describe('locationOf()', () => {
  it("signs the link's path, expiry and rules with the upload's id", () => {
    const link = put(
      signer.sign('in/a.bin', { method: 'put', maxBytes: 9, contentType: ['image/png'], ip: '10.0.0.0/8' }),
      '10.1.2.3',
    )
    const location = locationOf(
      { sign: signer.sign.bind(signer) } as never,
      { cacheControl: 'private', link, served: '/in/a.bin' },
      ID,
    )
    expect(signer.verify(location, { method: 'PUT', ip: '10.1.2.3' })).toMatchObject({
      ok: true,
      path: 'in/a.bin',
      expiresAt: link.expiresAt,
      maxBytes: 9,
      contentType: 'image/png',
      ip: '10.0.0.0/8',
      upload: ID,
    })
  })
})
