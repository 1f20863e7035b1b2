import type { LinkFields } from '../../lib/link/link-fields'
import { verifiedResult } from '../../lib/signer/verified-result'

const SIG = 'A'.repeat(43)
const link = (fields: Partial<LinkFields> = {}): LinkFields & { signature: string } => ({
  path: 'v/42/seg.ts',
  expiry: 1767229200,
  signature: SIG,
  ...fields,
})

describe('verifiedResult()', () => {
  it('is a good result with the path, expiry and seconds left, and only those for a plain link', () => {
    expect({ ...verifiedResult(link(), 42) }).toStrictEqual({
      ok: true,
      path: 'v/42/seg.ts',
      expiresAt: 1767229200,
      secondsLeft: 42,
    })
  })

  describe('its signature', () => {
    it('can be read, but stays out of JSON, of a spread and of the keys', () => {
      const result = verifiedResult(link(), 1)
      expect(result.signature).toBe(SIG)
      expect(JSON.stringify(result)).not.toContain(SIG)
      expect(Object.keys(result)).not.toContain('signature')
      expect({ ...result }).not.toHaveProperty('signature')
    })

    it('cannot be overwritten', () => {
      const result = verifiedResult(link(), 1) as { signature: string }
      expect(() => {
        result.signature = 'B'.repeat(43)
      }).toThrow(TypeError)
      expect(result.signature).toBe(SIG)
    })
  })

  it('names the folder a scope link grants, from its depth', () => {
    expect(verifiedResult(link({ scope: 2 }), 1).folder).toBe('v/42/')
    expect(verifiedResult(link({ scope: 1 }), 1).folder).toBe('v/')
  })

  it('serves a link with a filename as an attachment unless it says inline', () => {
    expect(verifiedResult(link({ filename: 'a.pdf' }), 1)).toMatchObject({
      filename: 'a.pdf',
      disposition: 'attachment',
    })
    expect(verifiedResult(link({ disposition: 'inline' }), 1)).toMatchObject({ disposition: 'inline' })
    expect(verifiedResult(link({ disposition: 'inline' }), 1)).not.toHaveProperty('filename')
  })

  it('copies every other signed field the link carries', () => {
    const fields = {
      kid: 'k1',
      notBefore: 1767225600,
      ip: '10.0.0.0/8',
      method: 'put' as const,
      maxBytes: 10,
      contentType: 'image/png',
      sha256: 'B'.repeat(43),
      issued: 1767225000,
      uses: 3,
    }
    expect({ ...verifiedResult(link(fields), 1) }).toStrictEqual({
      ok: true,
      path: 'v/42/seg.ts',
      expiresAt: 1767229200,
      secondsLeft: 1,
      ...fields,
    })
  })
})
