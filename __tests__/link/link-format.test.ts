import querystring from 'node:querystring'
import fc from 'fast-check'
import qs from 'qs'
import { parseLink, parseQuery, readLink, signedQuery, stringToSign } from '../../lib/link/link-format'

const SIG = 'JAlvetgMrDoUCbglQ1WCmsFg_gDoM_pv_puL2rc6ksc'

describe('link format', () => {
  describe('signedQuery()', () => {
    it('writes the signed fields in the order the string to sign has them, as the link carries them', () => {
      expect(signedQuery({ expiry: 1765432100 })).toBe('?expiry=1765432100&method=get')
      expect(signedQuery({ expiry: 1765432100, kid: 'k1', scope: 2 })).toBe(
        '?expiry=1765432100&method=get&kid=k1&scope=2',
      )
      expect(`private/a/${signedQuery({ expiry: 1, scope: 2 })}`).toBe(
        stringToSign('private/a/', { expiry: 1, scope: 2 }),
      )
    })
  })

  describe('stringToSign()', () => {
    it('is <path>?expiry=<seconds>&method=get', () => {
      expect(stringToSign('private/image.png', { expiry: 1765432100 })).toBe(
        'private/image.png?expiry=1765432100&method=get',
      )
    })

    it('appends the key id after the v1 fields', () => {
      expect(stringToSign('private/image.png', { expiry: 1765432100, kid: 'k1' })).toBe(
        'private/image.png?expiry=1765432100&method=get&kid=k1',
      )
    })
  })

  describe('readLink()', () => {
    it('gives the decoded path of a target without signed fields, and parseLink the missing signature', () => {
      expect(readLink('/v/42/a%20b.ts?x=1')).toStrictEqual({ unsigned: 'v/42/a b.ts' })
      expect(parseLink('/v/42/a%20b.ts?x=1')).toBe('ERR_SIGNATURE_MISSING')
      expect(readLink('/v/42/?expiry=1')).toBe('ERR_QUERY_MALFORMED')
      expect(readLink('/v/%2e%2e/x')).toBe('ERR_PATH_NOT_CANONICAL')
    })
  })

  describe('parseLink() on request targets', () => {
    const Q = `expiry=1&method=get&signature=${SIG}`
    it.each([
      [`/a?${Q}`, 'a'],
      [`/a?${Q}#top`, 'a'],
      [`https://example.com/a?${Q}`, 'a'],
      [`http://user@host:8080/dir/a?${Q}`, 'dir/a'],
    ])('reads the path of %j', (url, path) => {
      expect(parseLink(url)).toMatchObject({ path, expiry: 1, signature: SIG, message: `${path}?expiry=1&method=get` })
    })

    it.each([
      [`/a#x?${Q}`, 'ERR_SIGNATURE_MISSING'],
      [`https://example.com?${Q}`, 'ERR_PATH_NOT_CANONICAL'],
      ['a/b', 'ERR_PATH_NOT_CANONICAL'],
      ['', 'ERR_PATH_NOT_CANONICAL'],
      ['*', 'ERR_PATH_NOT_CANONICAL'],
      ['javascript:alert(1)', 'ERR_PATH_NOT_CANONICAL'],
      ['mailto:x@y', 'ERR_PATH_NOT_CANONICAL'],
    ])('refuses %j with %s', (url, code) => {
      expect(parseLink(url)).toBe(code)
    })
  })

  describe('parseQuery()', () => {
    it('reads the three signed fields and ignores the rest, holding only the fields the query has', () => {
      const fields = parseQuery(`x=1&expiry=1765432100&y&method=get&signature=${SIG}&=z`)
      expect(fields).toStrictEqual({ expiry: 1765432100, signature: SIG })
      expect(parseQuery(`expiry=1&method=get&kid=k1&scope=2&signature=${SIG}`)).toStrictEqual({
        expiry: 1,
        signature: SIG,
        kid: 'k1',
        scope: 2,
      })
    })

    it.each([
      ['', 'ERR_SIGNATURE_MISSING'],
      ['expiry=1&method=get', 'ERR_QUERY_MALFORMED'],
      ['v=1&x', 'ERR_SIGNATURE_MISSING'],
      ['kid=a', 'ERR_QUERY_MALFORMED'],
      [`expiry=1&method=get&signature`, 'ERR_QUERY_MALFORMED'],
      [`expiry&method=get&signature=${SIG}`, 'ERR_QUERY_MALFORMED'],
      [`expiry=99999999999&method=get&signature=${SIG}`, { expiry: 99999999999, signature: SIG }],
      [`expiry=100000000000&method=get&signature=${SIG}`, 'ERR_QUERY_MALFORMED'],
      [`expiry=1&expiry=1&method=get&signature=${SIG}`, 'ERR_QUERY_MALFORMED'],
      [`expiry=1&method=get&method=get&signature=${SIG}`, 'ERR_QUERY_MALFORMED'],
      [`expiry=1&method=get&signature=${SIG}&signature=${SIG}`, 'ERR_QUERY_MALFORMED'],
      [`expiry=%31&method=get&signature=${SIG}`, 'ERR_QUERY_MALFORMED'],
      [`expiry=1&method=g%65t&signature=${SIG}`, 'ERR_QUERY_MALFORMED'],
      [`Expiry=1&method=get&signature=${SIG}`, 'ERR_QUERY_MALFORMED'],
      [`expiry=1&method=get&signature=${SIG.slice(0, -1)}`, 'ERR_QUERY_MALFORMED'],
      [`expiry=1&method=get&signature=${SIG}&kid=2026-11_a`, { expiry: 1, signature: SIG, kid: '2026-11_a' }],
      [`expiry=1&method=get&signature=${SIG}&kid=`, 'ERR_QUERY_MALFORMED'],
      [`expiry=1&method=get&signature=${SIG}&kid=a.b`, 'ERR_QUERY_MALFORMED'],
      [`expiry=1&method=get&signature=${SIG}&kid=${'k'.repeat(33)}`, 'ERR_QUERY_MALFORMED'],
      [`expiry=1&method=get&signature=${SIG}&kid=a&kid=a`, 'ERR_QUERY_MALFORMED'],
      [`expiry=1&method=get&signature=${SIG}&ki%64=a`, 'ERR_QUERY_MALFORMED'],
    ])('parses %j as %p', (query, expected) => {
      if (typeof expected === 'string') expect(parseQuery(query)).toBe(expected)
      else expect(parseQuery(query)).toMatchObject(expected)
    })

    describe('when a parameter name is another spelling of a signed field', () => {
      const FIELDS = ['expiry', 'method', 'signature', 'kid', 'scope']
      const good = `expiry=1765432100&method=get&signature=${SIG}`
      // The parsers an Express app reads req.query with: qs as Express 4 (and Express 5's 'extended') call it, qs
      // with dots, and node:querystring (Express 5's 'simple').
      const readers: Array<[string, (query: string) => Record<string, unknown>]> = [
        ['qs', (q) => qs.parse(q, { allowPrototypes: true })],
        ['qs with allowDots', (q) => qs.parse(q, { allowPrototypes: true, allowDots: true })],
        ['querystring', (q) => querystring.parse(q)],
      ]
      const piece = fc.constantFrom(
        ...FIELDS,
        ...FIELDS.map((f) => f.toUpperCase()),
        '[',
        ']',
        '[]',
        '%5B',
        '%5D',
        '%5b',
        '.',
        '+',
        '%20',
        '%0A',
        '%E2%80%A8',
        '%00',
        '%65',
        '%69',
        '%6B',
        'exp',
        'iry',
        'x',
        '0',
        '_',
        '-',
        '%',
        '%2',
        '=',
        ']=',
        '%3D',
        '__proto__',
      )
      const name = fc.array(piece, { minLength: 1, maxLength: 5 }).map((pieces) => pieces.join(''))

      it('refuses every name some parser reads as a signed field (property over names built from risky pieces)', () => {
        fc.assert(
          fc.property(name, fc.boolean(), (extra, first) => {
            const query = first ? `${extra}=1&${good}` : `${good}&${extra}=1`
            const part = `${extra}=1`
            const readAsField = readers.some(([, read]) => FIELDS.some((f) => Object.hasOwn(read(part), f)))
            if (readAsField && !FIELDS.some((f) => part.startsWith(`${f}=`)))
              expect([query, parseQuery(query)]).toEqual([query, 'ERR_QUERY_MALFORMED'])
          }),
          { numRuns: Number(process.env.FC_NUM_RUNS ?? 2000) },
        )
      })

      it.each([
        '[expiry]',
        '%5Bexpiry%5D',
        '[method]',
        '[signature]',
        '[kid]',
        '[scope]',
        'expiry[%0A]',
        'method[%E2%80%A8]',
        'exp%69ry',
        'expiry[]',
        'method.x',
        'Signature',
        'expiry+',
        '[[expiry]]',
      ])('refuses %s=1 beside the signed fields', (spelling) => {
        expect(parseQuery(`${good}&${spelling}=1`)).toBe('ERR_QUERY_MALFORMED')
        expect(parseQuery(`${spelling}=1&${good}`)).toBe('ERR_QUERY_MALFORMED')
      })

      it.each(['expiryx', 'kids', 'methods', 'v', '_', 'x[expiry]', 'signature_v2', 'scoped'])(
        'ignores %s=1, which no parser reads as a field',
        (other) => {
          for (const [, read] of readers) expect(FIELDS.filter((f) => Object.hasOwn(read(`${other}=1`), f))).toEqual([])
          expect(parseQuery(`${good}&${other}=1`)).toMatchObject({ expiry: 1765432100 })
        },
      )
    })
  })

  describe('parseLink()', () => {
    it('reads a link into its fields without any cryptography', () => {
      expect(parseLink(`/private/caf%C3%A9.png?expiry=1765432100&method=get&signature=${SIG}`)).toEqual({
        path: 'private/café.png',
        expiry: 1765432100,
        signature: SIG,
        kid: undefined,
        message: 'private/café.png?expiry=1765432100&method=get',
      })
    })

    it('refuses a non-canonical path before reading the query', () => {
      expect(parseLink('/a/../b')).toBe('ERR_PATH_NOT_CANONICAL')
    })
  })
})
