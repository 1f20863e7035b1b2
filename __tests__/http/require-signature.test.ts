import http from 'node:http'
import { createSigner } from '../../lib/signer/signer'
import { requireSignature } from '../../lib/http/require-signature'
import { KEY, now, recordingResponse } from '../support/helpers'

const signer = createSigner({ key: KEY, now })
const request = (url: string, headers: Record<string, string> = {}, method = 'GET') =>
  Object.assign(new http.IncomingMessage(null as never), { url, method, headers })
const response = recordingResponse

describe('require-signature', () => {
  describe('requireSignature()', () => {
    it('sets the Cache-Control of an accepted request and calls next once, with no error', () => {
      const req = request(signer.sign('a.png', { ttl: 30 }))
      const res = response(req)
      const next = jest.fn()
      requireSignature({ signer })(req, res, next)
      expect(next.mock.calls).toEqual([[]])
      expect(res.getHeader('cache-control')).toBe('private, max-age=30')
    })

    it('refuses a clockTolerance beyond six hours at construction, naming it and the bound', () => {
      expect(() => requireSignature({ key: KEY, clockTolerance: 21601 })).toThrow(TypeError)
      expect(() => requireSignature({ key: KEY, clockTolerance: '7h' })).toThrow(
        /requireSignature: "clockTolerance" must be at most 21600 s \('6h'\), got "7h"/,
      )
      expect(() => requireSignature({ key: KEY, clockTolerance: '6h' })).not.toThrow()
    })
  })
})
