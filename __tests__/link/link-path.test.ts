import { decodePath, encodePath, isCanonicalPath } from '../../lib/link/link-path'

describe('link path', () => {
  describe('isCanonicalPath()', () => {
    it.each([
      'a',
      'private/image.png',
      'private/dir/',
      'a b/c+d',
      'café',
      '..a',
      'a..',
      '.hidden',
      'a/.b/c',
      '%',
      '?#',
    ])('accepts %j', (p) => {
      expect(isCanonicalPath(p)).toBe(true)
    })

    it.each([
      '',
      '/',
      '/a',
      'a//b',
      'a/./b',
      'a/../b',
      '.',
      '..',
      'a/.',
      'a/..',
      './a',
      'a\\b',
      'a\u0000',
      'a\u001f',
      'a\u007f',
      'a\u0085',
      '\udc00',
    ])('refuses %j', (p) => {
      expect(isCanonicalPath(p)).toBe(false)
    })
  })

  describe('decodePath()', () => {
    it.each([
      ['/a%20b', 'a b'],
      ['/caf%C3%A9', 'café'],
      ['/caf%c3%a9', 'café'],
      ['/a+b', 'a+b'],
      ['/100%25', '100%'],
      ['/100%2525', '100%25'],
      ['/dir/', 'dir/'],
    ])('decodes %j once to %j', (raw, decoded) => {
      expect(decodePath(raw)).toBe(decoded)
    })

    it.each([
      'a',
      '/a%2Fb',
      '/a%2fb',
      '/a%5Cb',
      '/a\\b',
      '/%2e%2e/x',
      '/%2E/x',
      '/a%00',
      '/a%zz',
      '/a%',
      '/a%C0%AE',
      '/a%E9',
      '//a',
      '/',
    ])('refuses %j', (raw) => {
      expect(decodePath(raw)).toBeUndefined()
    })
  })

  describe('encodePath()', () => {
    it('leaves unreserved ASCII alone and escapes the rest per segment', () => {
      expect(encodePath('private/docs/report-2026_v1.~x.pdf')).toBe('private/docs/report-2026_v1.~x.pdf')
      expect(encodePath("a b/it's (1)!*/é?#%+")).toBe('a%20b/it%27s%20%281%29%21%2A/%C3%A9%3F%23%25%2B')
    })

    it('round-trips through decodePath', () => {
      for (const p of ["a b/it's (1)!*/é?#%+", '日本語/ファイル.txt', 'dir/'])
        expect(decodePath(`/${encodePath(p)}`)).toBe(p)
    })
  })
})
