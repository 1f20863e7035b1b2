import fc from 'fast-check'
import { parseLink } from '../../lib/link/link-format'
import { plainLink } from '../../lib/link/link-reader'

const SIG = 'JAlvetgMrDoUCbglQ1WCmsFg_gDoM_pv_puL2rc6ksc'

describe('link-reader', () => {
  it('reads the common shape, with the URL itself as the string to sign', () => {
    const url = `/private/a-b_c~d.e/f.png?expiry=1767229200&method=get&signature=${SIG}`
    expect(plainLink(url)).toStrictEqual({
      path: 'private/a-b_c~d.e/f.png',
      expiry: 1767229200,
      message: 'private/a-b_c~d.e/f.png?expiry=1767229200&method=get',
      signatureAt: url.length - 43,
      signature: SIG,
    })
    expect(plainLink(`/a/?expiry=1&method=get&kid=k_1-2&signature=${SIG}`)).toMatchObject({
      path: 'a/',
      kid: 'k_1-2',
      message: 'a/?expiry=1&method=get&kid=k_1-2',
    })
  })

  it.each([
    ['an encoded path', `/caf%C3%A9?expiry=1&method=get&signature=${SIG}`],
    ['a dot segment', `/a/./b?expiry=1&method=get&signature=${SIG}`],
    ['a dot-dot segment at the end', `/a/..?expiry=1&method=get&signature=${SIG}`],
    ['an empty segment', `/a//b?expiry=1&method=get&signature=${SIG}`],
    ['an empty path', `/?expiry=1&method=get&signature=${SIG}`],
    ['a leading zero', `/a?expiry=01&method=get&signature=${SIG}`],
    ['12 digits', `/a?expiry=123456789012&method=get&signature=${SIG}`],
    ['fields in another order', `/a?method=get&expiry=1&signature=${SIG}`],
    ['a scope', `/a/?expiry=1&method=get&scope=1&signature=${SIG}`],
    ['another parameter', `/a?expiry=1&method=get&x=1&signature=${SIG}`],
    ['a parameter after the signature', `/a?expiry=1&method=get&signature=${SIG}&x=1`],
    ['a bad key id', `/a?expiry=1&method=get&kid=a.b&signature=${SIG}`],
    ['absolute-form', `http://h/a?expiry=1&method=get&signature=${SIG}`],
    ['a short signature', `/a?expiry=1&method=get&signature=${SIG.slice(1)}`],
  ])('leaves %s to the general parser', (_what, url) => {
    expect(plainLink(url)).toBeUndefined()
  })

  it('agrees with parseLink on every link it reads', () => {
    const piece = fc.constantFrom('a', 'b.c', '.', '..', '...', '', '~', '-', '_', '%41', 'é', ';', '&', '=')
    const query = fc.constantFrom(
      'expiry=1767229200&method=get',
      'expiry=1767229200&method=get&kid=k1',
      'expiry=0&method=get',
      'expiry=1&method=GET',
      'method=get&expiry=1',
      'expiry=1&method=get&kid=',
    )
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 5 }), query, (pieces, q) => {
        const url = `/${pieces.join('/')}?${q}&signature=${SIG}`
        const fast = plainLink(url)
        if (fast === undefined) return
        const { signatureAt, ...fields } = fast
        expect(parseLink(url)).toEqual({ ...fields, signature: url.slice(signatureAt) })
      }),
      { numRuns: 2000 },
    )
  })
})
