import { readFileSync } from 'node:fs'
import path from 'node:path'
import { create as contentDisposition } from 'content-disposition'
import fc from 'fast-check'
import { createSigner } from 'express-signed-url'
import { createWebSigner } from 'express-signed-url/web'
import {
  dispositionOption,
  encodeFilename,
  filenameOption,
  INVISIBLE,
  MAX_FILENAME_BYTES,
  readDisposition,
  readFilename,
} from '../../lib/link/download-name'
import { forgeMessage, KEY, NOW_MS, now } from '../support/helpers'

/** Every code point but the surrogates, which are no characters: 0 to U+10FFFF. */
function* codePoints(): Generator<number> {
  for (let cp = 0; cp <= 0x10ffff; cp++) if (cp < 0xd800 || cp > 0xdfff) yield cp
}
const hex = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`

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

  it('reads an ASCII spelling on its text exactly as decoding, checking and encoding it again would', () => {
    // The oracle: the general reading, spelled out (decode, the sign-time check, the one spelling).
    const oracle = (text: string): string | undefined => {
      try {
        const name = decodeURIComponent(text)
        return filenameOption(name) === name && encodeFilename(name) === text ? name : undefined
      } catch {
        return undefined
      }
    }
    const piece = fc.constantFrom(
      ...['a', 'Z', '0', '-', '.', '_', '~', ' ', '!', '*', "'", '(', ')', '/', '\\', '%', '+', '\u007f', '\u0001'],
      ...[
        '%20',
        '%2A',
        '%2a',
        '%2E',
        '%41',
        '%2F',
        '%5C',
        '%7F',
        '%1F',
        '%00',
        '%25',
        '%C3%A9',
        '%E9',
        '%G0',
        '%2',
        '..',
      ],
    )
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 8 }), fc.nat(120), (pieces, repeat) => {
        const text = pieces.join('').repeat(repeat === 0 ? 1 : Math.ceil(repeat / 40))
        expect(readFilename(text)).toBe(oracle(text))
      }),
      { numRuns: 5000 },
    )
    expect(readFilename('a'.repeat(MAX_FILENAME_BYTES))).toBe('a'.repeat(MAX_FILENAME_BYTES))
    expect(readFilename('a'.repeat(MAX_FILENAME_BYTES + 1))).toBeUndefined()
    expect(readFilename(`${'%20'.repeat(MAX_FILENAME_BYTES)}`)).toBe(' '.repeat(MAX_FILENAME_BYTES))
    expect(readFilename(`${'%20'.repeat(MAX_FILENAME_BYTES)}a`)).toBeUndefined()
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
    ['U+2065 (reserved default-ignorable)', 'a\u2065b.pdf'],
    ...Array.from({ length: 9 }, (_, i) => [
      `U+FFF${i} (reserved default-ignorable)`,
      `a${String.fromCodePoint(0xfff0 + i)}b.pdf`,
    ]),
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

  describe('when a name holds a default-ignorable code point Unicode reserves (issue 25)', () => {
    const reserved = [0x2065, 0xfff0, 0xfff1, 0xfff2, 0xfff3, 0xfff4, 0xfff5, 0xfff6, 0xfff7, 0xfff8]
    const signer = createSigner({ key: KEY, now })
    const webSigner = createWebSigner({ key: KEY, now })
    const expiry = NOW_MS / 1000 + 60
    const forged = (cp: number) => {
      const message = `a.png?expiry=${expiry}&method=get&filename=${encodeFilename(`a${String.fromCodePoint(cp)}.pdf`)}`
      return `/${message}&signature=${forgeMessage(KEY, message)}`
    }

    it.each(reserved.map((cp) => [hex(cp), cp]))('sign refuses %s with a TypeError naming it', (name, cp) => {
      expect(() => signer.sign('a.png', { filename: `a${String.fromCodePoint(cp)}.pdf` })).toThrow(TypeError)
      expect(() => signer.sign('a.png', { filename: `a${String.fromCodePoint(cp)}.pdf` })).toThrow(
        `"filename" must not hold invisible or format characters (${name}:`,
      )
    })

    it.each(reserved.map((cp) => [hex(cp), cp]))(
      'verify refuses a link carrying %s, even when signed, as malformed',
      async (_name, cp) => {
        expect(signer.verify(forged(cp))).toMatchObject({ ok: false, error: { code: 'ERR_QUERY_MALFORMED' } })
        expect(await webSigner.verify(forged(cp))).toMatchObject({ ok: false, error: { code: 'ERR_QUERY_MALFORMED' } })
      },
    )

    it('serves the same link with a plain name (the forgery is sound)', () => {
      expect(signer.verify(forged(0x61))).toMatchObject({ ok: true, filename: 'aa.pdf' })
    })
  })

  describe('the set of invisible characters', () => {
    const unicode = /[\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Noncharacter_Code_Point}]/u

    it("is Unicode's default-ignorables, Cc, Cf, Zl, Zp and noncharacters, but ZWNJ, ZWJ and U+FE00-U+FE0F", () => {
      const kept: string[] = []
      for (const cp of codePoints()) {
        const char = String.fromCodePoint(cp)
        if (unicode.test(char) !== INVISIBLE.test(char)) kept.push(hex(cp))
      }
      expect(kept).toEqual(['U+200C', 'U+200D', ...Array.from({ length: 16 }, (_, i) => hex(0xfe00 + i))])
    })

    it('holds every code point the list kept by hand before issue 25 refused', () => {
      // prettier-ignore
      const before = [
        [0xad, 0xad], [0x600, 0x605], [0x61c, 0x61c], [0x6dd, 0x6dd], [0x70f, 0x70f], [0x890, 0x891], [0x8e2, 0x8e2],
        [0x115f, 0x1160], [0x180e, 0x180e], [0x200b, 0x200b], [0x200e, 0x200f], [0x2028, 0x202e], [0x2060, 0x2064],
        [0x2066, 0x206f], [0x3164, 0x3164], [0xfdd0, 0xfdef], [0xfeff, 0xfeff], [0xffa0, 0xffa0], [0xfff9, 0xfffb],
        [0x110bd, 0x110bd], [0x110cd, 0x110cd], [0x13430, 0x1343f], [0x1bca0, 0x1bca3], [0x1d173, 0x1d17a],
        [0x34f, 0x34f], [0x17b4, 0x17b5], [0x180b, 0x180d], [0x180f, 0x180f], [0xe0000, 0xe0fff],
        [0x0, 0x1f], [0x7f, 0x9f],
      ]
      const lost: string[] = []
      for (const cp of codePoints()) {
        const refused = (cp & 0xfffe) === 0xfffe || before.some(([low, high]) => cp >= low && cp <= high)
        if (refused && !INVISIBLE.test(String.fromCodePoint(cp))) lost.push(hex(cp))
      }
      expect(lost).toEqual([])
    })
  })

  describe('the copy of the njs verifier (examples/nginx/signed-url.js)', () => {
    // Its INVISIBLE table and invisible(), as njs runs them; the rest of the file needs nginx.
    const source = readFileSync(
      path.join(path.join(__dirname, '..'), '..', 'examples', 'nginx', 'signed-url.js'),
      'utf8',
    )
    const copy = /^var INVISIBLE = \[[\s\S]*?^\];\n[\s\S]*?^function invisible\(name\) \{[\s\S]*?^\}$/m.exec(source)

    it('refuses exactly what INVISIBLE matches, at every code point (else regenerate it, as its comment says)', () => {
      expect(copy).not.toBeNull()
      const invisible = new Function(`${copy![0]}\nreturn invisible`)() as (name: string) => boolean
      const differ: string[] = []
      for (const cp of codePoints()) {
        const char = String.fromCodePoint(cp)
        if (invisible(`a${char}b`) !== INVISIBLE.test(char)) differ.push(hex(cp))
      }
      expect(differ).toEqual([])
    })
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
