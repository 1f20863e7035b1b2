import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import { createSigner } from '../../lib/signer/signer'
import { createGuard } from '../../lib/http/guard'
import { GUARD_OPTIONS } from '../../lib/http/guard-options'
import { requireSignature } from '../../lib/http/require-signature'
import createDebug from 'debug'
import { format } from 'node:util'
import { SignedUrlError } from '../../lib/util/errors'
import type { LinkStore } from '../../lib/store/link-store'
import { createMemoryStore } from '../../lib/store/memory-store'
import type { Duration } from '../../lib/util/option-checks'
import { KEY, NOW_MS, now, recordingResponse } from '../support/helpers'

// The guard alone, on bare Node request and response objects: no framework, no server.
const known = new Set(GUARD_OPTIONS)
const signer = createSigner({ key: KEY, now })
const request = (url: string, headers: Record<string, string> = {}, method = 'GET') =>
  Object.assign(new http.IncomingMessage(null as never), { url, method, headers })
const response = recordingResponse
const run = (options: object, req: IncomingMessage) => {
  const res = response(req)
  const next = jest.fn()
  const headers = createGuard('test', { key: KEY, now, ...options }, known)(req, res, next)
  return { headers, cacheControl: headers?.cacheControl, res, next }
}

describe('guard', () => {
  describe('createGuard()', () => {
    it('accepts a good link with the seconds it has left, touching nothing', () => {
      const { cacheControl, res, next } = run({}, request(signer.sign('private/a.png', { ttl: 90 })))
      expect(cacheControl).toBe('private, max-age=90')
      expect(next).not.toHaveBeenCalled()
      expect(res.ended).toEqual([])
    })

    it('refuses a forged link with the default refusal, and gives back no Cache-Control', () => {
      const link = signer.sign('private/a.png').replace(/signature=./, 'signature=_')
      const { cacheControl, res, next } = run({}, request(link))
      expect(cacheControl).toBeUndefined()
      expect(next).not.toHaveBeenCalled()
      expect(res.statusCode).toBe(403)
      expect(res.getHeader('cache-control')).toBe('no-store')
      expect(res.ended).toEqual(['Forbidden\n'])
    })

    it('answers an expired link with expiredStatus, and every other refusal with status', () => {
      const expired = createSigner({ key: KEY, now: () => NOW_MS - 7200_000 }).sign('a.png')
      expect(run({ status: 404, expiredStatus: 410 }, request(expired)).res.statusCode).toBe(410)
      expect(run({ status: 404, expiredStatus: 410 }, request('/a.png')).res.statusCode).toBe(404)
      expect(run({ status: 404 }, request(expired)).res.statusCode).toBe(404)
    })

    it('reads the target before anything else, and refuses one it cannot trust', () => {
      const onReject = jest.fn()
      run({ onReject }, request('/a.png#x'))
      run({ onReject }, request('//host/a.png'))
      expect(onReject.mock.calls.map(([err]) => (err as SignedUrlError).code)).toEqual([
        'ERR_TARGET_NOT_CANONICAL',
        'ERR_TARGET_NOT_CANONICAL',
      ])
    })

    it('refuses a request object without a method instead of taking it as a GET', () => {
      const onReject = jest.fn()
      const req = request(signer.sign('a.png'))
      ;(req as { method?: string }).method = undefined
      run({ onReject }, req)
      expect(onReject.mock.calls[0][0]).toMatchObject({ code: 'ERR_METHOD_NOT_ALLOWED' })
    })

    it('checks the method of the request', () => {
      const link = signer.sign('a.png')
      const onReject = jest.fn()
      run({ onReject }, request(link, {}, 'POST'))
      expect(onReject.mock.calls[0][0]).toMatchObject({ code: 'ERR_METHOD_NOT_ALLOWED', status: 403 })
      expect(run({}, request(link, {}, 'HEAD')).cacheControl).toMatch(/^private/)
    })

    it('reads grant cookies only when the URL carries no signature, under the configured name', () => {
      const grant = signer.grant('v/42/', { ttl: 60 })
      expect(run({}, request('/v/42/seg.ts', { cookie: `signed-grant=${grant.value}` })).cacheControl).toBe(
        'private, max-age=60',
      )
      expect(run({ grantCookie: 'g' }, request('/v/42/seg.ts', { cookie: `g=${grant.value}` })).cacheControl).toBe(
        'private, max-age=60',
      )
      expect(run({}, request('/v/42/seg.ts', { cookie: `g=${grant.value}` })).cacheControl).toBeUndefined()
      const forged = signer.sign('v/42/seg.ts').replace(/signature=./, 'signature=_')
      expect(run({}, request(forged, { cookie: `signed-grant=${grant.value}` })).cacheControl).toBeUndefined()
    })

    it('hands an error thrown by onReject to next', () => {
      const thrown = new Error('hook failed')
      const { next } = run(
        {
          onReject: () => {
            throw thrown
          },
        },
        request('/a.png'),
      )
      expect(next).toHaveBeenCalledWith(thrown)
    })

    it('hands an error thrown by a given signer to next', () => {
      const thrown = new Error('signer failed')
      const broken = {
        verify: () => {
          throw thrown
        },
      }
      const req = request('/a.png')
      const next = jest.fn()
      createGuard('test', { signer: broken }, known)(req, response(req), next)
      expect(next).toHaveBeenCalledWith(thrown)
    })

    it('puts what it verified on res.locals.signedLink, creating res.locals where there is none (Connect)', () => {
      const link = signer.grant('v/42/', { ttl: 60 })
      const { res } = run({}, request('/v/42/seg.ts', { cookie: `signed-grant=${link.value}` }))
      expect((res as unknown as { locals: unknown }).locals).toEqual({
        signedLink: { ok: true, path: 'v/42/seg.ts', expiresAt: NOW_MS / 1000 + 60, secondsLeft: 60, folder: 'v/42/' },
      })
      const named = createSigner({ keys: [{ id: 'k7', secret: KEY }], now }).sign('a.png', { ttl: 30 })
      const byId = run({ keys: [{ id: 'k7', secret: KEY }], key: undefined }, request(named))
      expect((byId.res as unknown as { locals: { signedLink: unknown } }).locals.signedLink).toEqual({
        ok: true,
        path: 'a.png',
        expiresAt: NOW_MS / 1000 + 30,
        secondsLeft: 30,
        kid: 'k7',
      })
      // A refusal after an earlier guard accepted: what that guard verified no longer holds.
      const second = request('/a.png')
      const twice = recordingResponse(second) as ServerResponse & { locals?: Record<string, unknown> }
      twice.locals = { signedLink: { ok: true, path: 'a.png' }, other: 1 }
      createGuard('test', { key: KEY, now }, known)(second, twice, jest.fn())
      expect(twice.locals).toEqual({ other: 1 })
      const refused = run({}, request('/a.png'))
      expect((refused.res as unknown as { locals?: unknown }).locals).toBeUndefined()
    })

    it('sends refusals to next(err) with forwardRefusals, status set, and answers nothing itself', () => {
      const expired = createSigner({ key: KEY, now: () => NOW_MS - 7200_000 }).sign('a.png')
      const { res, next } = run({ forwardRefusals: true, expiredStatus: 410 }, request(expired))
      expect(next).toHaveBeenCalledTimes(1)
      expect(next.mock.calls[0][0]).toMatchObject({ code: 'ERR_URL_EXPIRED', status: 410, statusCode: 410 })
      expect(res.ended).toEqual([])
      expect(() => createGuard('test', { key: KEY, forwardRefusals: true, onReject: () => {} }, known)).toThrow(
        /give either "onReject" or "forwardRefusals", not both/,
      )
      expect(() => createGuard('test', { key: KEY, forwardRefusals: 'yes' }, known)).toThrow(
        /"forwardRefusals" must be a boolean, got "yes"/,
      )
    })

    describe('under DEBUG=express-signed-url', () => {
      const lines: string[] = []
      const original = createDebug.log
      beforeEach(() => {
        lines.length = 0
        createDebug.log = (...args: unknown[]) => void lines.push(format(...args))
        createDebug.enable('express-signed-url')
      })
      afterEach(() => {
        createDebug.disable()
        createDebug.log = original
      })

      it('logs each refusal with its code, status, method and path, and nothing of the query or cookie', () => {
        const forged = signer.sign('private/a.png').replace(/signature=./, 'signature=_')
        const grant = signer.grant('v/', { ttl: 60 })
        run({}, request(forged, { cookie: `signed-grant=${grant.value}` }))
        run({ status: 404 }, request('/private/b.png#frag?expiry=1', {}, 'HEAD'))
        expect(lines).toHaveLength(2)
        expect(lines[0]).toMatch(/express-signed-url refused ERR_SIGNATURE_INVALID 403: "GET" "\/private\/a\.png"/)
        expect(lines[1]).toMatch(/refused ERR_TARGET_NOT_CANONICAL 404: "HEAD" "\/private\/b\.png"/)
        const all = lines.join('\n')
        for (const secret of [forged.split('signature=')[1], 'expiry', grant.value, KEY])
          expect(all).not.toContain(secret)
      })

      it.each([
        ['a ? percent-encoded', (q: string) => `/private/a.png%3F${q}`],
        ['a ? percent-encoded in lower case', (q: string) => `/private/a.png%3f${q}`],
        ['a ? encoded twice', (q: string) => `/private/a.png%253F${q}`],
        ['a ; for the ?', (q: string) => `/private/a.png;${q}`],
        ['the query in a path segment', (q: string) => `/private/${q}/a.png`],
        ['a # percent-encoded', (q: string) => `/private/a.png%23${q}`],
      ])('logs no query or signature from a mangled link: %s', (_what, mangle) => {
        const query = signer.sign('private/a.png').split('?')[1]
        run({}, request(mangle(query)))
        expect(lines).toHaveLength(1)
        expect(lines[0]).toMatch(/refused ERR_\w+ 403: "GET" "\/private\/[^"]*" \(query not logged\)$/)
        for (const part of [query, query.split('signature=')[1], 'expiry=', 'signature'])
          expect(lines[0]).not.toContain(part)
      })

      it('escapes what it prints and logs nothing for an accepted request', () => {
        run({}, request('/a\u001b[31m\u202e.png'))
        run({}, request(signer.sign('a.png')))
        expect(lines).toHaveLength(1)
        expect(lines[0]).toContain('"/a\\u{001B}[31m\\u{202E}.png"')
      })

      it('escapes invisible characters, caps a long path, and names no method that is not one', () => {
        run({}, request('/a\u200b\ufeff\u00ad\u{E0041}\ud800b.png'))
        run({}, request(`/${'\u001b'.repeat(300)}`))
        run({}, request('/a.png', {}, 'GET /x?signature=abc'))
        expect(lines[0]).toContain('"/a\\u{200B}\\u{FEFF}\\u{00AD}\\u{E0041}\\u{D800}b.png"')
        expect(lines[1].length).toBeLessThan(300)
        expect(lines[1]).toContain('…"')
        expect(lines[2]).toMatch(/: \(not a method\) "\/a\.png"$/)
        expect(lines[2]).not.toContain('signature')
      })
    })
  })

  // A link is accepted until expiry + clockTolerance: its revocations and use count must last as long.
  describe.each<[Duration, number]>([
    ['2h', 7200],
    ['6h', 21600],
  ])('when the clockTolerance is %s', (clockTolerance, seconds) => {
    let clock = NOW_MS
    const at = () => clock
    const signing = createSigner({ key: KEY, now: at, maxTtl: 60, stampIssued: true })
    const expiry = NOW_MS / 1000 + 60
    let store: LinkStore
    beforeEach(() => {
      clock = NOW_MS
      store = createMemoryStore({ now: at })
    })

    // The guard's answer: 200 when the handler would run, else the refusal's status and code.
    const send = (guard: ReturnType<typeof requireSignature>, url: string) =>
      new Promise<[number, string?]>((resolve) => {
        const req = request(url)
        guard(req, response(req), (err?: unknown) =>
          resolve(err === undefined ? [200] : [(err as SignedUrlError).status, (err as SignedUrlError).code]),
        )
      })

    describe.each([
      ['built from options', () => ({ key: KEY, now: at, clockTolerance })],
      ['given a signer', () => ({ signer: createSigner({ key: KEY, now: at, clockTolerance }) })],
    ])('with a guard %s', (_how, options) => {
      const guard = () => requireSignature({ ...options(), store, forwardRefusals: true })

      it('refuses a used-up link with 410 until the second it expires for the guard', async () => {
        const link = signing.sign('a.png', { ttl: 60, uses: 1 })
        const g = guard()
        expect(await send(g, link)).toEqual([200])
        clock = (expiry + seconds - 1) * 1000
        expect(await send(g, link)).toEqual([410, 'ERR_USES_EXHAUSTED'])
        clock = (expiry + seconds) * 1000
        expect(await send(g, link)).toEqual([403, 'ERR_URL_EXPIRED'])
      })

      it('refuses a revoked link until the second it expires for the guard', async () => {
        const link = signing.sign('a.png', { ttl: 60 })
        await store.revoke(link)
        clock = (expiry + seconds - 1) * 1000
        expect(await send(guard(), link)).toEqual([403, 'ERR_LINK_REVOKED'])
      })

      it('refuses links of a revoked folder until the second they expire for the guard', async () => {
        const link = signing.sign('private/a.png', { ttl: 60 })
        await store.revokeFolder('/private/', { issuedBefore: NOW_MS / 1000, maxTtl: 60 })
        const other = createMemoryStore({ now: at })
        await other.revokeFolder('/private/', { expiringBefore: expiry + 1 })
        clock = (expiry + seconds - 1) * 1000
        expect(await send(guard(), link)).toEqual([403, 'ERR_LINK_REVOKED'])
        const g = requireSignature({ ...options(), store: other, forwardRefusals: true })
        expect(await send(g, link)).toEqual([403, 'ERR_LINK_REVOKED'])
      })
    })
  })
})
