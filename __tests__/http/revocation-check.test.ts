import http from 'node:http'
import { createSigner } from '../../lib/signer/signer'
import { revocationCheck } from '../../lib/http/revocation-check'
import { requireSignature } from '../../lib/http/require-signature'
import { createMemoryStore } from '../../lib/store/memory-store'
import type { SignedUrlError } from '../../lib/util/errors'
import { KEY, now, recordingResponse } from '../support/helpers'

// The check alone, on bare Node request and response objects, as nginx's auth_request subrequest reaches it.
const signer = createSigner({ key: KEY, now })
const request = (url: string, method = 'GET') =>
  Object.assign(new http.IncomingMessage(null as never), { url, method, headers: {} })
const ask = (check: ReturnType<typeof revocationCheck>, url: string) => {
  const req = request(url)
  const res = recordingResponse(req)
  const next = jest.fn()
  check(req, res, next)
  return { res, next }
}

describe('revocationCheck()', () => {
  describe('when the link is valid', () => {
    it('answers 204 with no body and Cache-Control: no-store, and calls no next handler', () => {
      const { res, next } = ask(revocationCheck({ key: KEY, now }), signer.sign('private/a.png', { ttl: 60 }))
      expect(res.statusCode).toBe(204)
      expect(res.getHeader('cache-control')).toBe('no-store')
      expect(res.ended).toEqual([undefined])
      expect(next).not.toHaveBeenCalled()
    })

    it('lets a limited-use link through again and again, counting nothing', async () => {
      const store = createMemoryStore({ now })
      const check = revocationCheck({ key: KEY, now, store })
      const link = signer.sign('private/a.png', { ttl: 60, uses: 1 })
      for (let i = 0; i < 3; i++) expect(ask(check, link).res.statusCode).toBe(204)
      // The link's one use is still there for the server that serves it.
      const req = request(link)
      const guard = requireSignature({ key: KEY, now, store, forwardRefusals: true })
      const served = await new Promise<unknown[]>((resolve) =>
        guard(req, recordingResponse(req), (...args) => resolve(args)),
      )
      expect(served).toEqual([])
    })
  })

  describe('when the link is refused', () => {
    it('answers the guard refusal (403, no-store) for a forged link', () => {
      const forged = signer.sign('private/a.png').replace(/signature=./, 'signature=_')
      const { res, next } = ask(revocationCheck({ key: KEY, now }), forged)
      expect(res.statusCode).toBe(403)
      expect(res.getHeader('cache-control')).toBe('no-store')
      expect(res.ended).toEqual(['Forbidden\n'])
      expect(next).not.toHaveBeenCalled()
    })

    it('refuses a revoked link with its code and the configured status', async () => {
      const store = createMemoryStore({ now })
      const link = signer.sign('private/a.png', { ttl: 60 })
      await store.revoke(link)
      const onReject = jest.fn()
      const { res } = ask(revocationCheck({ key: KEY, now, store, status: 404, onReject }), link)
      expect(onReject).toHaveBeenCalledTimes(1)
      expect(onReject.mock.calls[0][0] as SignedUrlError).toMatchObject({ code: 'ERR_LINK_REVOKED', status: 404 })
      expect(res.statusCode).not.toBe(204)
    })
  })

  it('throws a TypeError naming itself and the option at construction', () => {
    expect(() => revocationCheck({ key: KEY, status: 401 as 403 })).toThrow(TypeError)
    expect(() => revocationCheck({ key: KEY, status: 401 as 403 })).toThrow(
      /revocationCheck: "status" must be one of 403, 404, got 401/,
    )
  })
})
