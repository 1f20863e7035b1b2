import { decodeSignature, isBase64Url } from '../../lib/util/base64url'

const SIG = 'JAlvetgMrDoUCbglQ1WCmsFg_gDoM_pv_puL2rc6ksc'

describe('base64url', () => {
  describe('decodeSignature()', () => {
    const out = Buffer.alloc(32)
    it('decodes a canonical signature to the same 32 bytes as Buffer.from', () => {
      for (const sig of [SIG, 'A'.repeat(43), '_'.repeat(42) + 'w', '-'.repeat(42) + '8']) {
        expect(decodeSignature(sig, out)).toBe(true)
        expect(out).toEqual(Buffer.from(sig, 'base64url'))
      }
    })

    it.each([
      ['a non-canonical last character', `${SIG.slice(0, -1)}d`],
      ['a standard-base64 +', `+${SIG.slice(1)}`],
      ['a standard-base64 /', `${SIG.slice(0, 20)}/${SIG.slice(21)}`],
      ['padding', `${SIG.slice(0, -1)}=`],
      ['42 characters', SIG.slice(0, 42)],
      ['44 characters', `${SIG}A`],
      ['a non-ASCII character', `${SIG.slice(0, 10)}é${SIG.slice(11)}`],
      ['a space', `${SIG.slice(0, 10)} ${SIG.slice(11)}`],
    ])('refuses %s', (_what, sig) => {
      expect(decodeSignature(sig, out)).toBe(false)
    })
  })
})

describe('isBase64Url()', () => {
  it("takes exactly base64url's 64 characters", () => {
    for (let c = 0; c < 0x3000; c++) {
      const ch = String.fromCharCode(c)
      expect(isBase64Url(`a${ch}b`)).toBe(/^[A-Za-z0-9_-]$/.test(ch))
    }
    expect(isBase64Url('')).toBe(true)
  })
})
