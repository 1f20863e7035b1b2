import { asOptions, assertKnownOptions, describeValue, kind, toSeconds } from '../../lib/util/option-checks'

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
})
