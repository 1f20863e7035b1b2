import fc from 'fast-check'
import { percentDecode } from '../../lib/util/percent-decode'

// decodeURIComponent, with undefined where it throws: what percentDecode must be.
function oracle(text: string): string | undefined {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}

describe('percent-decode', () => {
  it.each([
    ['a', 'a'],
    ['caf%C3%A9', 'café'],
    ['%e2%82%ac%20x', '€ x'],
    ['%F0%9F%98%80', '😀'],
    ['%2F%5c%25', '/\\%'],
    ['%', undefined],
    ['%4', undefined],
    ['%G1', undefined],
    ['%C3', undefined],
    ['%C3%41', undefined],
    ['%C0%AF', undefined], // an overlong `/`
    ['%E0%80%AF', undefined],
    ['%ED%A0%80', undefined], // a surrogate
    ['%F4%90%80%80', undefined], // past U+10FFFF
    ['%80', undefined],
  ])('decodes %j as decodeURIComponent does', (text, decoded) => {
    expect(percentDecode(text)).toBe(decoded)
    expect(oracle(text)).toBe(decoded)
  })

  it('agrees with decodeURIComponent on every byte sequence and on text around it', () => {
    const escape = fc.integer({ min: 0, max: 255 }).map((b) => `%${b.toString(16).padStart(2, '0')}`)
    const upper = escape.map((e) => e.toUpperCase())
    const utf8 = fc
      .integer({ min: 0, max: 0x10ffff })
      .filter((cp) => cp < 0xd800 || cp > 0xdfff)
      .map((cp) => encodeURIComponent(String.fromCodePoint(cp)))
    const other = fc.constantFrom('a', '%', '%4', '%zz', 'é', '\ud800', '/', '+', '%%41')
    fc.assert(
      fc.property(fc.array(fc.oneof(escape, upper, utf8, other), { maxLength: 12 }), fc.nat(30), (pieces, n) => {
        // Short and long: both ways of decoding.
        const text = pieces.join('').repeat(n < 20 ? 1 : n)
        expect(percentDecode(text)).toBe(oracle(text))
      }),
      { numRuns: 20000 },
    )
  })
})
