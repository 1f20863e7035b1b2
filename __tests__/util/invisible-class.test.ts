import { INVISIBLE_CLASS } from '../../lib/util/invisible-class'

const invisible = new RegExp(`^[${INVISIBLE_CLASS}]$`, 'u')

describe('INVISIBLE_CLASS', () => {
  describe('as a character class with the u flag', () => {
    it.each([
      ['a right-to-left override', '\u202e'],
      ['a left-to-right isolate', '\u2066'],
      ['a zero-width space', '\u200b'],
      ['the zero-width non-joiner and joiner', '\u200c'],
      ['the zero-width joiner', '\u200d'],
      ['the byte-order mark', '\ufeff'],
      ['a soft hyphen', '\u00ad'],
      ['a tag character', '\u{e0041}'],
      ['the grapheme joiner', '\u034f'],
      ['a Hangul filler', '\u3164'],
      ['a variation selector', '\ufe0f'],
      ['a supplementary variation selector', '\u{e0100}'],
      ['NUL', '\u0000'],
      ['DEL', '\u007f'],
      ['a C1 control (CSI)', '\u009b'],
      ['the line separator', '\u2028'],
      ['the paragraph separator', '\u2029'],
      ['a code point reserved as default-ignorable (U+2065)', '\u2065'],
      ['a code point reserved as default-ignorable (U+FFF0)', '\ufff0'],
    ])('matches %s', (_what, char) => {
      expect(invisible.test(char)).toBe(true)
    })

    it.each([
      ['a letter', 'a'],
      ['an accented letter', '\u00e9'],
      ['a CJK ideograph', '\u65e5'],
      ['a space', ' '],
      ['a no-break space', '\u00a0'],
      ['an emoji', '\u{1f600}'],
      ['the replacement character', '\ufffd'],
      ['a combining accent', '\u0301'],
    ])('leaves %s alone', (_what, char) => {
      expect(invisible.test(char)).toBe(false)
    })

    // Each user adds these itself: printable() the surrogates, download names the noncharacters.
    it('holds neither lone surrogates nor noncharacters', () => {
      expect(invisible.test('\ud800')).toBe(false)
      expect(invisible.test('\ufffe')).toBe(false)
      expect(invisible.test('\ufdd0')).toBe(false)
    })
  })
})
