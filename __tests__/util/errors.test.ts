import { REFUSAL_TEXTS, refuse, SignedUrlError, stackless, type SignedUrlErrorCode } from '../../lib/util/errors'

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

    it('has statusCode, the same as status whichever is set, on refusals too', () => {
      for (const error of [new SignedUrlError('ERR_URL_EXPIRED', 410), stackless('ERR_URL_EXPIRED')]) {
        error.status = 404
        expect(error.statusCode).toBe(404)
        error.statusCode = 410
        expect(error.status).toBe(410)
      }
      expect(JSON.stringify(new SignedUrlError('ERR_URL_EXPIRED'))).not.toContain('statusCode')
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

describe('stackless()', () => {
  it('makes a SignedUrlError with code, status and message but no stack frames, and leaves the limit as it was', () => {
    const before = Error.stackTraceLimit
    const error = stackless('ERR_SIGNATURE_INVALID')
    expect(error).toBeInstanceOf(SignedUrlError)
    expect(error).toMatchObject({
      code: 'ERR_SIGNATURE_INVALID',
      status: 403,
      message: 'The URL signature does not match',
    })
    expect(error.stack).toBe('SignedUrlError: The URL signature does not match')
    expect(Error.stackTraceLimit).toBe(before)
    expect(new SignedUrlError('ERR_SIGNATURE_INVALID').stack).toMatch(/\n\s+at /) // made by the app: a full trace
  })

  it('has the own enumerable properties, message and string of an error the constructor makes', () => {
    const made = new SignedUrlError('ERR_URL_EXPIRED')
    const fast = stackless('ERR_URL_EXPIRED')
    expect(Object.keys(fast)).toEqual(expect.arrayContaining(Object.keys(made)))
    expect(Object.keys(fast)).toHaveLength(Object.keys(made).length)
    expect(fast.message).toBe(made.message)
    expect(Object.getPrototypeOf(Object.getPrototypeOf(fast))).toBe(SignedUrlError.prototype)
    expect(JSON.stringify(fast)).toBe(JSON.stringify(made))
    expect(fast).toBeInstanceOf(Error)
    expect(String(fast)).toBe(String(made))
    // Each refusal is its own object: a guard sets its status without touching another request's.
    const other = stackless('ERR_URL_EXPIRED')
    other.status = 410
    expect(fast.status).toBe(403)
  })

  it('is what refuse() returns', () => {
    expect(refuse('ERR_URL_EXPIRED').error.stack).not.toMatch(/\n\s+at /)
  })
})

describe('REFUSAL_TEXTS', () => {
  const all = Object.keys(REFUSAL_TEXTS) as SignedUrlErrorCode[]

  it.each(all)('gives %s its message, as the constructor and stackless() both show it', (code) => {
    const { message } = REFUSAL_TEXTS[code]
    expect(new SignedUrlError(code).message).toBe(message)
    expect(stackless(code).message).toBe(message)
    expect(String(stackless(code))).toBe(`SignedUrlError: ${message}`)
  })

  it('gives every code a longer explanation of its own, in lower case as the CLI prints it after a colon', () => {
    const explanations = all.map((code) => REFUSAL_TEXTS[code].explanation)
    expect(new Set(explanations).size).toBe(all.length)
    for (const explanation of explanations) expect(explanation).toMatch(/^[a-z]/)
  })
})
