import { create as contentDisposition } from 'content-disposition'
import {
  dispositionOption,
  encodeFilename,
  filenameOption,
  MAX_FILENAME_BYTES,
  readDisposition,
  readFilename,
} from '../lib/download-name'

describe('download-name', () => {
  const good = [
    'Report 2026.pdf',
    'résumé.pdf',
    '報告書.pdf',
    '😀.png',
    "it's (100%) done!.txt",
    '"q".txt',
    '.env',
    'a;b,c=d&e+f#g?h.txt',
  ]

  it.each(good)('takes %j, and reads its link spelling back to it', (name) => {
    expect(filenameOption(name)).toBe(name)
    expect(readFilename(encodeFilename(name))).toBe(name)
  })

  it("spells a name with only A-Z a-z 0-9 - . _ ~ raw: space as %20, + % and ! ' ( ) * escaped", () => {
    expect(encodeFilename('a b+c%.pdf')).toBe('a%20b%2Bc%25.pdf')
    expect(encodeFilename("it's (1)!*.pdf")).toBe('it%27s%20%281%29%21%2A.pdf')
    expect(encodeFilename('A-z_0.9~')).toBe('A-z_0.9~')
    expect(encodeFilename('é')).toBe('%C3%A9')
    expect(readFilename('%c3%a9')).toBeUndefined()
  })

  it.each([
    ['', /not empty/],
    ['.', /not empty, "\." or "\.\."/],
    ['..', /"\.\."/],
    ['a/b.pdf', /"\/" or "\\"/],
    ['a\\b.pdf', /"\/"/],
    ['a\nb.pdf', /control characters/],
    ['a\u0000.pdf', /control characters/],
    ['a\u007f.pdf', /control characters/],
    ['a\u0085.pdf', /control characters/],
    ['Report\u202efdp.exe', /bidirectional controls/],
    ['a\u2066b', /bidirectional controls/],
    ['a\u200fb', /bidirectional controls/],
    ['a\ud800.pdf', /well-formed Unicode/],
    ['x'.repeat(MAX_FILENAME_BYTES + 1), /at most 255 bytes/],
    ['é'.repeat(128), /at most 255 bytes/],
  ])('refuses %j with a TypeError naming "filename"', (name, message) => {
    expect(() => filenameOption(name)).toThrow(TypeError)
    expect(() => filenameOption(name)).toThrow(/"filename"/)
    expect(() => filenameOption(name)).toThrow(message)
  })

  it.each([
    ['a zero-width space', 'a\u200bb.exe'],
    ['a byte-order mark', '\ufeffa.pdf'],
    ['a soft hyphen', 'a\u00adb.pdf'],
    ['a line separator', 'a\u2028b.pdf'],
    ['a paragraph separator', 'a\u2029b.pdf'],
    ['a word joiner', 'a\u2060b.pdf'],
    ['an invisible times (U+2062)', 'a\u2062b.pdf'],
    ['a deprecated format character (U+206A)', 'a\u206ab.pdf'],
    ['a tag character', 'a\u{E0041}.pdf'],
    ['a Hangul filler', 'a\u3164.pdf'],
    ['a Hangul choseong filler', '\u115f.pdf'],
    ['a noncharacter U+FFFE', 'a\ufffe.pdf'],
    ['a noncharacter U+FDD0', 'a\ufdd0.pdf'],
    ['a noncharacter U+1FFFF', 'a\u{1FFFF}.pdf'],
    ['an Arabic number sign (U+0600)', '\u0600a.pdf'],
    ['the combining grapheme joiner', 'a\u034fb.pdf'],
    ['a Mongolian variation selector', 'a\u180bb.pdf'],
    ['a Khmer inherent vowel', 'a\u17b4b.pdf'],
    ['U+E0000 (plane 14, unassigned)', 'a\u{E0000}b.pdf'],
    ['a variation selector of plane 14', 'a\u{E0100}b.pdf'],
  ])('refuses %s, which does not show', (_what, name) => {
    expect(() => filenameOption(name)).toThrow(
      /"filename" must not hold invisible or format characters \(U\+[0-9A-F]{4,5}/,
    )
    expect(readFilename(encodeFilename(name))).toBeUndefined()
  })

  it('keeps the joiners that scripts and emoji need, and other spaces', () => {
    for (const name of [
      '👨\u200d👩\u200d👧.png',
      'می\u200cخواهم.pdf',
      'a\u00a0b.pdf',
      'a\u3000b.pdf',
      '\u{10FFFD}.bin',
      '\u2764\ufe0f.png',
    ]) {
      expect(filenameOption(name)).toBe(name)
      expect(readFilename(encodeFilename(name))).toBe(name)
    }
  })

  it('refuses a name that is not a string', () => {
    for (const value of [5, null, ['a'], {}]) expect(() => filenameOption(value)).toThrow(/"filename" must be a string/)
  })

  it.each([
    'a+b.pdf',
    'a%2bb.pdf',
    "it's.pdf",
    '%41.pdf',
    'a%2Fb',
    'a%5Cb',
    '%E2%80%AE',
    '%ED%A0%80',
    '%C3',
    '%',
    '',
    '.',
    '%2E%2E',
    'a%0Ab',
    'x'.repeat(256),
  ])('reads no name from %j (another spelling, or a refused name)', (text) => {
    expect(readFilename(text)).toBeUndefined()
  })

  it('takes the two dispositions and nothing else', () => {
    expect(dispositionOption('attachment')).toBe('attachment')
    expect(dispositionOption('inline')).toBe('inline')
    for (const value of ['Attachment', 'form-data', '', 1]) {
      expect(() => dispositionOption(value)).toThrow(/"disposition" must be 'attachment' or 'inline'/)
      expect(readDisposition(String(value))).toBeUndefined()
    }
  })

  it('gives the content-disposition package only names it writes without throwing, in visible ASCII', () => {
    for (const name of good)
      for (const type of ['attachment', 'inline'])
        expect(contentDisposition(name, { type })).toMatch(/^(attachment|inline); filename=[\x20-\x7e]+$/)
  })
})
