import http from 'node:http'
import { SignedUrlError } from '../../lib/util/errors'
import { respondRefused } from '../../lib/http/refusal'
import { recordingResponse } from '../support/helpers'

const request = (method: string) =>
  Object.assign(new http.IncomingMessage(null as never), { url: '/a', method, headers: {} })
const response = recordingResponse

describe('refusal', () => {
  describe('respondRefused()', () => {
    it('answers the error status with a short body, no-store and nosniff; no body for HEAD', () => {
      for (const [method, body] of [
        ['GET', 'Gone\n'],
        ['HEAD', undefined],
      ] as const) {
        const req = request(method)
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
      const req = request('GET')
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
