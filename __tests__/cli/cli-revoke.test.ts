import { createHash } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createSigner } from 'express-signed-url'
import { revoke } from '../../lib/cli/cli-revoke'
import { NOW_MS } from '../support/helpers'

const KEY = 'cli-test-key-0123456789-0123456789-0123456789'
const NOW_S = NOW_MS / 1000

async function run(target: string | undefined, values: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  const out: string[] = []
  const err: string[] = []
  const code = await revoke(target, [], values, env, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    now: () => NOW_MS,
  })
  return { code, out, err }
}

describe('revoke()', () => {
  describe('when the command line is not one revocation', () => {
    it.each([
      ['an option of sign', 'a', { ttl: '1h' }, 'error: revoke takes no --ttl'],
      [
        'neither a link nor --folder',
        undefined,
        {},
        'error: revoke takes one link (or grant cookie value), or --folder',
      ],
      [
        'both a link and --folder',
        'a',
        { folder: 'a/' },
        'error: revoke takes one link (or grant cookie value), or --folder',
      ],
      [
        '--max-ttl for a link',
        'a',
        { 'max-ttl': '1h' },
        'error: --issued-before, --expiring-before and --max-ttl are for',
      ],
      ['no store to send it to', 'a', {}, 'error: no store: set REDIS_URL'],
    ])('refuses %s with exit status 2', async (_what, target, values, message) => {
      const env = message.includes('no store') ? {} : { REDIS_URL: 'redis://127.0.0.1:1' }
      const result = await run(target, values, env)
      expect(result.code).toBe(2)
      expect(result.out).toEqual([])
      expect(result.err).toEqual([expect.stringContaining(message)])
    })

    it('refuses a date that is not on the calendar before reaching any store', async () => {
      const result = await run(undefined, { folder: 'a/', 'issued-before': '2026-02-30T00:00:00Z', worker: 'http://x' })
      expect(result).toEqual({
        code: 2,
        out: [],
        err: ['error: --issued-before must be Unix seconds or an ISO date with a zone, got "2026-02-30T00:00:00Z"'],
      })
    })
  })

  describe('when sending to the Worker at --worker', () => {
    let server: http.Server
    let origin: string
    let status = 204
    const received: { method?: string; url: string; body: string; type?: string }[] = []

    beforeAll(async () => {
      server = http.createServer((req, res) => {
        const chunks: Buffer[] = []
        req.on('data', (chunk: Buffer) => chunks.push(chunk))
        req.on('end', () => {
          received.push({
            method: req.method,
            url: req.url ?? '',
            body: Buffer.concat(chunks).toString('utf8'),
            type: req.headers['content-type'],
          })
          res.statusCode = status
          res.end()
        })
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    })
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))
    beforeEach(() => {
      received.length = 0
      status = 204
    })

    // The upload link the Worker is sent, checked as the Worker checks it, at a time within its five minutes.
    function checkUpload(url: string, body: string) {
      const expiry = Number(new URL(url, origin).searchParams.get('expiry'))
      const signer = createSigner({ key: KEY, now: () => (expiry - 1) * 1000 })
      const result = signer.verify(url, { method: 'PUT' })
      expect(result).toMatchObject({ ok: true, path: '_signed-url/revocations', method: 'put' })
      expect(result).toMatchObject({ sha256: createHash('sha256').update(body).digest('base64url') })
    }

    it("PUTs a link's revocation as JSON through an upload link signed for its digest", async () => {
      const link = createSigner({ key: KEY, now: () => NOW_MS }).sign('private/a.png', { ttl: 600 })
      const result = await run(link, { worker: origin }, { SIGNING_KEY: KEY })
      expect(result).toEqual({ code: 0, out: ['revoked: the link, until it expires'], err: [] })
      expect(received).toHaveLength(1)
      const [request] = received
      expect([request.method, request.type]).toEqual(['PUT', 'application/json'])
      const signature = new URLSearchParams(link.split('?')[1]).get('signature')
      expect(JSON.parse(request.body)).toMatchObject({ signature, until: expect.any(Number) })
      checkUpload(request.url, request.body)
    })

    it('PUTs a folder revocation with its dates and --max-ttl', async () => {
      const values = { folder: '/private/', 'issued-before': String(NOW_S - 60), 'max-ttl': '3600', worker: origin }
      const result = await run(undefined, values, { SIGNING_KEY: KEY })
      expect(result).toEqual({ code: 0, out: ['revoked: the folder /private/'], err: [] })
      const revocation = JSON.parse(received[0].body) as { folder: string; issuedBefore: number; until: number }
      expect(revocation).toMatchObject({ folder: 'private/', issuedBefore: NOW_S - 60 })
      expect(revocation.until).toBeGreaterThanOrEqual(NOW_S - 60 + 3600)
      checkUpload(received[0].url, received[0].body)
    })

    it('fails with exit status 2 when the Worker does not take it', async () => {
      status = 403
      const result = await run(undefined, { folder: '/', worker: origin }, { SIGNING_KEY: KEY })
      expect(result).toEqual({
        code: 2,
        out: [],
        err: [`error: the Worker at ${origin} refused the revocation (403)`],
      })
    })

    it('needs the key to sign what it sends', async () => {
      const result = await run(undefined, { folder: '/', worker: origin })
      expect(result.code).toBe(2)
      expect(result.err).toEqual([expect.stringContaining('no key: set SIGNING_KEY')])
      expect(received).toEqual([])
    })
  })
})
