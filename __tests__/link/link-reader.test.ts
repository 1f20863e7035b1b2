import fc from 'fast-check'
import { createSigner } from 'express-signed-url'
import { EXTENSIONS } from '../../lib/link/link-fields'
import { parseLink } from '../../lib/link/link-format'
import { isPlainPath, readSignedLink } from '../../lib/link/link-reader'
import { KEY, now, NOW_MS } from '../support/helpers'

const SIG = 'JAlvetgMrDoUCbglQ1WCmsFg_gDoM_pv_puL2rc6ksc'
const signer = createSigner({ key: KEY, now })

// What the reader gives is what the general parser gives, and the signature's place besides.
function agreesWithParser(url: string): boolean {
  const read = readSignedLink(url)
  if (read === undefined) return false
  // `extensions` is the reading's own count of them.
  const { signatureAt, extensions, ...fields } = read as typeof read & { extensions: number }
  expect(signatureAt).toBe(url.length - 43)
  expect(typeof extensions).toBe('number')
  expect(parseLink(url)).toEqual(fields)
  return true
}

describe('link-reader', () => {
  it('reads the common shape, with the URL itself as the string to sign', () => {
    const url = `/private/a-b_c~d.e/f.png?expiry=1767229200&method=get&signature=${SIG}`
    expect(readSignedLink(url)).toMatchObject({
      path: 'private/a-b_c~d.e/f.png',
      expiry: 1767229200,
      message: 'private/a-b_c~d.e/f.png?expiry=1767229200&method=get',
      signatureAt: url.length - 43,
      signature: SIG,
    })
    expect(readSignedLink(`/a/?expiry=1&method=get&kid=k_1-2&signature=${SIG}`)).toMatchObject({
      path: 'a/',
      kid: 'k_1-2',
      message: 'a/?expiry=1&method=get&kid=k_1-2',
    })
  })

  it('reads every field in the spelling the signer wrote, without encoding it again', () => {
    const url = `/caf%C3%A9/a%20b.pdf?expiry=9&method=get&disposition=inline&filename=R%C3%A9sum%C3%A9%202026.pdf&issued=5&uses=3&nonce=AAAAAAAAAAAAAAAA&signature=${SIG}`
    expect(readSignedLink(url)).toMatchObject({
      path: 'café/a b.pdf',
      disposition: 'inline',
      filename: 'Résumé 2026.pdf',
      issued: 5,
      uses: 3,
      message: `café/a b.pdf${url.slice(url.indexOf('?'), url.indexOf('&signature='))}`,
    })
    // A scope signs the folder; an upload link its own fields.
    expect(readSignedLink(`/v/1/a.ts?expiry=9&method=get&scope=1&signature=${SIG}`)).toMatchObject({
      path: 'v/1/a.ts',
      scope: 1,
      message: 'v/?expiry=9&method=get&scope=1',
    })
    expect(
      readSignedLink(`/in/a.png?expiry=9&method=put&maxbytes=10&contenttype=image%2Bx%2Fpng&signature=${SIG}`),
    ).toBeUndefined() // `/` in a type is written raw: this is not its one spelling
    expect(
      readSignedLink(`/in/a.png?expiry=9&method=put&maxbytes=10&contenttype=image/svg%2Bxml&signature=${SIG}`),
    ).toMatchObject({ method: 'put', maxBytes: 10, contentType: 'image/svg+xml' })
  })

  it('reads every extension of the table into its own property', () => {
    // One good value for each, and what else its link needs (a GET or PUT link; uses and nonce go together).
    const samples: Record<string, [string, 'get' | 'put', string?]> = {
      kid: ['k1', 'get'],
      scope: ['1', 'get'],
      notBefore: ['5', 'get'],
      ip: ['10.0.0.1', 'get'],
      disposition: ['inline', 'get'],
      filename: ['a%20b.pdf', 'get'],
      maxBytes: ['5', 'put'],
      contentType: ['text/plain', 'put'],
      sha256: [SIG, 'put'],
      issued: ['5', 'get'],
      uses: ['2', 'get', 'nonce=AAAAAAAAAAAAAAAA'],
      nonce: ['AAAAAAAAAAAAAAAA', 'get', 'uses=2'],
      upload: ['A'.repeat(22), 'put'],
    }
    expect(Object.keys(samples).sort()).toEqual(EXTENSIONS.map(([property]) => property).sort())
    for (const [property, name] of EXTENSIONS) {
      const [value, method, partner] = samples[property]
      const fields = [`${name}=${value}`]
      if (partner !== undefined) fields.push(partner)
      // In the table's order, as a signer writes them.
      const order = (f: string) => EXTENSIONS.findIndex(([, n]) => f.startsWith(`${n}=`))
      fields.sort((a, b) => order(a) - order(b))
      const url = `/a/b.pdf?expiry=9&method=${method}&${fields.join('&')}&signature=${SIG}`
      const read = readSignedLink(url) as unknown as Record<string, unknown>
      expect(read?.[property]).toBeDefined()
      expect(agreesWithParser(url)).toBe(true)
    }
  })

  it.each([
    ['an encoded `/`', `/a%2Fb?expiry=1&method=get&signature=${SIG}`],
    ['a malformed escape', `/a%E9?expiry=1&method=get&signature=${SIG}`],
    ['a dot segment', `/a/./b?expiry=1&method=get&signature=${SIG}`],
    ['a dot-dot segment at the end', `/a/..?expiry=1&method=get&signature=${SIG}`],
    ['an empty segment', `/a//b?expiry=1&method=get&signature=${SIG}`],
    ['an empty path', `/?expiry=1&method=get&signature=${SIG}`],
    ['a leading zero', `/a?expiry=01&method=get&signature=${SIG}`],
    ['12 digits', `/a?expiry=123456789012&method=get&signature=${SIG}`],
    ['fields in another order', `/a?method=get&expiry=1&signature=${SIG}`],
    ['extensions in another order', `/a?expiry=1&method=get&issued=1&kid=k&signature=${SIG}`],
    ['an extension twice', `/a?expiry=1&method=get&kid=k&kid=k&signature=${SIG}`],
    ['expiry twice', `/a?expiry=1&method=get&expiry=1&signature=${SIG}`],
    ['a method in upper case', `/a?expiry=1&method=GET&signature=${SIG}`],
    ['a method with more after it', `/a?expiry=1&method=gets&signature=${SIG}`],
    ['a use count without its nonce', `/a?expiry=1&method=get&uses=3&signature=${SIG}`],
    ['a download name on a folder', `/a/?expiry=1&method=get&filename=x&signature=${SIG}`],
    ['a scope deeper than the path', `/a/b?expiry=1&method=get&scope=2&signature=${SIG}`],
    ['a name in another spelling', `/a?expiry=1&method=get&filename=a%2eb&signature=${SIG}`],
    ['another parameter', `/a?expiry=1&method=get&x=1&signature=${SIG}`],
    ['a parameter spelling a field', `/a?expiry=1&method=get&%6Bid=k&signature=${SIG}`],
    ['a parameter after the signature', `/a?expiry=1&method=get&signature=${SIG}&x=1`],
    ['a fragment', `/a?expiry=1&method=get&signature=${SIG}#x`],
    ['a bad key id', `/a?expiry=1&method=get&kid=a.b&signature=${SIG}`],
    ['absolute-form', `http://h/a?expiry=1&method=get&signature=${SIG}`],
    ['a short signature', `/a?expiry=1&method=get&signature=${SIG.slice(1)}`],
  ])('leaves %s to the general parser', (_what, url) => {
    expect(readSignedLink(url)).toBeUndefined()
  })

  it('reads every link a signer writes, as the general parser does', () => {
    const options = fc.record(
      {
        filename: fc.constantFrom('a.pdf', 'Report 2026.pdf', 'Résumé (1).pdf', '日本語.txt', "!*()'.txt"),
        disposition: fc.constantFrom('inline', 'attachment'),
        notBefore: fc.constant(NOW_MS / 1000 - 60),
        ip: fc.constantFrom(['10.0.0.0/8'], ['::1', '192.0.2.1']),
        uses: fc.integer({ min: 1, max: 999 }),
      },
      { requiredKeys: [] },
    )
    const path = fc.constantFrom('a.png', 'private/my photo.jpg', 'café/naïve.jpg', '.well/x', 'a+b/c=d;e', '...')
    fc.assert(
      fc.property(path, options, fc.boolean(), (sitePath, opts, issued) => {
        const url = createSigner({ key: KEY, now, stampIssued: issued }).sign(sitePath, opts)
        expect(agreesWithParser(url)).toBe(true)
      }),
      { numRuns: 300 },
    )
    expect(agreesWithParser(signer.sign('v/42/a.ts', { scope: 'v/' }))).toBe(true)
    expect(agreesWithParser(signer.sign('in/a.svg', { method: 'put', contentType: ['image/svg+xml'] }))).toBe(true)
  })

  it('agrees with the general parser on every link it reads', () => {
    let read = 0
    const piece = fc.constantFrom('a', 'b.c', '.', '..', '...', '', '~', '-', '_', '%41', '%2f', 'é', ';', '&', '=')
    const field = fc.constantFrom(
      'kid=k1',
      'kid=',
      'scope=1',
      'scope=01',
      'notbefore=5',
      'ip=10.0.0.1',
      'ip=10.0.0.01',
      'disposition=inline',
      'filename=a%20b',
      'filename=a%2520',
      'filename=%C3%A9',
      'maxbytes=5',
      'contenttype=text/plain',
      'issued=5',
      'uses=2',
      'nonce=AAAAAAAAAAAAAAAA',
      'x=1',
    )
    const head = fc.constantFrom(
      'expiry=1767229200&method=get',
      'expiry=1767229200&method=put',
      'expiry=0&method=get',
      'expiry=1&method=GET',
      'method=get&expiry=1',
    )
    fc.assert(
      fc.property(
        fc.array(piece, { minLength: 1, maxLength: 5 }),
        head,
        fc.array(field, { maxLength: 4 }),
        (pieces, q, fields) => {
          if (agreesWithParser(`/${pieces.join('/')}?${[q, ...fields].join('&')}&signature=${SIG}`)) read++
        },
      ),
      { numRuns: 3000 },
    )
    expect(read).toBeGreaterThan(100) // the comparison ran on links the reader took, not only on refusals
  })

  it('checks a plain path the same way, short or long', () => {
    const piece = fc.constantFrom('a', 'b.c', '.', '..', '...', '', '~', '-', '_', '.x', '%41', 'é', ' ', '+')
    const expression = /^\/(?:[\w~-][\w.~-]*\/)*(?:[\w~-][\w.~-]*)?\?/
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 6 }), fc.nat(40), (pieces, repeat) => {
        const url = `/${`${pieces.join('/')}/`.repeat(repeat)}${pieces.join('/')}?expiry=1`
        expect(isPlainPath(url, url.indexOf('?'))).toBe(expression.test(url))
      }),
      { numRuns: 3000 },
    )
  })
})
