import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import { createSigner } from '../lib/signer'
import { createGuard, GUARD_OPTIONS, requireSignature, respondRefused } from '../lib/guard'
import { SignedUrlError } from '../lib/errors'
import { KEY, NOW_MS, now } from './helpers'

// The guard alone, on bare Node request and response objects: no framework, no server.
const known = new Set(GUARD_OPTIONS)
const signer = createSigner({ key: KEY, now })
const request = (url: string, headers: Record<string, string> = {}, method = 'GET') =>
  Object.assign(new http.IncomingMessage(null as never), { url, method, headers })
const response = (req: IncomingMessage) => {
  const res = new http.ServerResponse(req)
  const ended: Array<string | undefined> = []
  res.end = ((chunk?: Buffer) => {
    ended.push(chunk?.toString())
    return res
  }) as ServerResponse['end']
  return Object.assign(res, { ended })
}
const run = (options: object, req: IncomingMessage) => {
  const res = response(req)
  const next = jest.fn()
  const cacheControl = createGuard('test', { key: KEY, now, ...options }, known)(req, res, next)
  return { cacheControl, res, next }
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

    it.each([
      [{ status: 401 }, /"status" must be one of 403, 404, got 401/],
      [{ expiredStatus: 500 }, /"expiredStatus" must be one of 403, 404, 410, got 500/],
      [{ onReject: 'log' }, /"onReject" must be a function, got "log"/],
      [{ grantCookie: 'a b' }, /"grantCookie" must be a cookie name/],
      [{ signer, ttl: 60 }, /give either "signer" or signer options, not both: set "ttl" in createSigner\(\)/],
      [{ signer: {}, key: undefined }, /"signer" must come from createSigner\(\), got an object/],
      [{ statuss: 404 }, /unknown option "statuss". Did you mean "status"\?/],
    ])('refuses the option %p at construction', (options, message) => {
      const given = 'signer' in options ? options : { key: KEY, ...options }
      expect(() => createGuard('test', given, known)).toThrow(TypeError)
      expect(() => createGuard('test', given, known)).toThrow(message)
    })
  })

  describe('requireSignature()', () => {
    it('sets the Cache-Control of an accepted request and calls next once, with no error', () => {
      const req = request(signer.sign('a.png', { ttl: 30 }))
      const res = response(req)
      const next = jest.fn()
      requireSignature({ signer })(req, res, next)
      expect(next.mock.calls).toEqual([[]])
      expect(res.getHeader('cache-control')).toBe('private, max-age=30')
    })
  })

  describe('respondRefused()', () => {
    it('answers the error status with a short body, no-store and nosniff; no body for HEAD', () => {
      for (const [method, body] of [
        ['GET', 'Gone\n'],
        ['HEAD', undefined],
      ] as const) {
        const req = request('/a', {}, method)
        const res = response(req)
        respondRefused(new SignedUrlError('ERR_URL_EXPIRED', 410), req, res, jest.fn())
        expect(res.statusCode).toBe(410)
        expect(res.getHeaders()).toMatchObject({
          'cache-control': 'no-store',
          'content-type': 'text/plain; charset=utf-8',
          'x-content-type-options': 'nosniff',
          'content-length': 5,
        })
        expect(res.ended).toEqual([body])
      }
    })

    it('passes the error on when the headers are already sent', () => {
      const req = request('/a')
      const res = response(req)
      Object.defineProperty(res, 'headersSent', { value: true })
      const next = jest.fn()
      const error = new SignedUrlError('ERR_SIGNATURE_INVALID')
      respondRefused(error, req, res, next)
      expect(next).toHaveBeenCalledWith(error)
      expect(res.ended).toEqual([])
    })
  })
})
