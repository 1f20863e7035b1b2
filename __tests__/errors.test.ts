import { refuse, SignedUrlError, type SignedUrlErrorCode } from '../lib/errors'

const CODES: SignedUrlErrorCode[] = [
  'ERR_SIGNATURE_MISSING',
  'ERR_SIGNATURE_INVALID',
  'ERR_URL_EXPIRED',
  'ERR_METHOD_NOT_ALLOWED',
  'ERR_PATH_NOT_CANONICAL',
  'ERR_QUERY_MALFORMED',
  'ERR_PATH_MISMATCH',
  'ERR_TARGET_NOT_CANONICAL',
]

describe('errors', () => {
  describe('SignedUrlError', () => {
    it.each(CODES)('%s has its code, status 403, expose, and a message of its own', (code) => {
      const error = new SignedUrlError(code)
      expect(error).toBeInstanceOf(Error)
      expect(error).toMatchObject({ name: 'SignedUrlError', code, status: 403, expose: true })
      expect(error.message).toMatch(/^[A-Z][ -~]+[A-Za-z]$/)
      expect(error.message).not.toMatch(/[?=&%]/) // nothing of a URL: a message is safe to show a client
    })

    it('gives every code a different message', () => {
      expect(new Set(CODES.map((code) => new SignedUrlError(code).message)).size).toBe(CODES.length)
    })

    it('takes another status', () => {
      expect(new SignedUrlError('ERR_URL_EXPIRED', 410).status).toBe(410)
    })
  })

  describe('refuse()', () => {
    it('returns a refusal with a fresh error each time', () => {
      const first = refuse('ERR_QUERY_MALFORMED')
      const second = refuse('ERR_QUERY_MALFORMED')
      expect(first).toMatchObject({ ok: false, error: { code: 'ERR_QUERY_MALFORMED', status: 403 } })
      expect(first.error).not.toBe(second.error) // a guard sets status on it: one shared error would leak across requests
    })
  })
})
