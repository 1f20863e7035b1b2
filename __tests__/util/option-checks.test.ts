import { asOptions, assertKnownOptions, describeValue, kind, printable, toSeconds } from '../../lib/util/option-checks'

describe('option-checks', () => {
  describe('toSeconds()', () => {
    it.each([
      [0, 0],
      [90, 90],
      ['90s', 90],
      ['10m', 600],
      ['12h', 43200],
      ['7d', 604800],
      ['0s', 0],
      ['999999999d', 999999999 * 86400],
    ])('reads %j as %d seconds', (value, seconds) => {
      expect(toSeconds(value)).toBe(seconds)
    })
    it.each([-1, 1.5, NaN, Infinity, 2 ** 53, '1.5h', '-1h', '10', '10M', ' 10m', '10m ', '', '1000000000s', null, {}])(
      'refuses %j',
      (value) => {
        expect(toSeconds(value)).toBeUndefined()
      },
    )
  })

  describe('describeValue()', () => {
    it.each([
      ['short', '"short"'],
      ['a-longer-string', 'a string of 15 characters'],
      [42, '42'],
      [true, 'true'],
      [null, 'null'],
      [undefined, 'undefined'],
      [() => 1, 'a function'],
      [[1], 'an array'],
      [{}, 'an object'],
      [new Date(0), 'a Date'],
      [new Map(), 'a Map'],
    ])('shows %p as %s', (value, shown) => {
      expect(describeValue(value)).toBe(shown)
    })
  })

  describe('kind()', () => {
    it('never shows a string, however short', () => {
      expect(kind('abc')).toBe('a string of 3 characters')
      expect(kind(5)).toBe('a number')
      expect(kind(undefined)).toBe('undefined')
      expect(kind([])).toBe('an array')
    })
  })

  describe('assertKnownOptions()', () => {
    const known = new Set(['ttl', 'maxTtl', 'grantCookie'])
    it('passes known names', () => {
      expect(() => assertKnownOptions('f', { ttl: 1, maxTtl: 2 }, known)).not.toThrow()
    })
    it('names an unknown option and suggests the closest known one', () => {
      expect(() => assertKnownOptions('f', { tll: 1 }, known)).toThrow(
        new TypeError('f: unknown option "tll". Did you mean "ttl"?'),
      )
      expect(() => assertKnownOptions('f', { MAXTTL: 1 }, known)).toThrow(/Did you mean "maxTtl"\?/)
    })
    it('suggests nothing when no name is close', () => {
      expect(() => assertKnownOptions('f', { somethingElse: 1 }, known)).toThrow(
        new TypeError('f: unknown option "somethingElse"'),
      )
    })
  })

  describe('asOptions()', () => {
    it('takes an object or undefined', () => {
      const options = { a: 1 }
      expect(asOptions('f', options)).toBe(options)
      expect(asOptions('f', undefined)).toEqual({})
    })
    it.each([
      [null, 'null'],
      ['secret-value', 'a string of 12 characters'],
      [[], 'an array'],
      [5, 'a number'],
    ])('refuses %p naming only its kind', (value, shown) => {
      expect(() => asOptions('f', value)).toThrow(new TypeError(`f: options must be an object, got ${shown}`))
    })
  })

  describe('printable()', () => {
    it('escapes what the list kept by hand before issue 27 did, and the reserved default-ignorables', () => {
      // prettier-ignore
      const before =
        // eslint-disable-next-line no-misleading-character-class
        /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\u{e0100}-\u{e01ef}]/u
      const reserved = [
        [0x2065, 0x2065],
        [0xfff0, 0xfff8],
        [0xe0000, 0xe0000],
        [0xe0002, 0xe001f],
        [0xe0080, 0xe00ff],
        [0xe01f0, 0xe0fff],
      ]
      const differ: string[] = []
      for (let cp = 0; cp <= 0x10ffff; cp++) {
        const char = String.fromCodePoint(cp)
        const escapes = before.test(char) || reserved.some(([low, high]) => cp >= low && cp <= high)
        const expected = escapes ? `a\\u{${cp.toString(16).toUpperCase().padStart(4, '0')}}b` : `a${char}b`
        if (printable(`a${char}b`) !== expected) differ.push(cp.toString(16))
      }
      expect(differ).toEqual([])
    })

    it('escapes each character of a run on its own, combining ones included', () => {
      expect(printable('\u202etxt.exe\u034f\ufe0f\u{e0041}')).toBe('\\u{202E}txt.exe\\u{034F}\\u{FE0F}\\u{E0041}')
    })
  })
})
