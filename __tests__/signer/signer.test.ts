import crypto from 'node:crypto'
import { createSigner, parseKeyList, SignedUrlError } from 'express-signed-url'
import { stringToSign } from '../../lib/link/link-format'
import { createWebSigner } from '../../lib/web'
import * as mac from '../../lib/crypto/mac'
import { forge, ittybitSign, KEY, NOW_MS, now, OTHER_KEY, vectors } from '../support/helpers'

const NOW_S = NOW_MS / 1000

/** Counts every MAC check, by either comparison (the fast path's on text, the general steps' on bytes). */
function spyOnMacs() {
  const { macMatches, macMatchesText } = mac
  const count = jest.fn()
  const text = jest.spyOn(mac, 'macMatchesText').mockImplementation((...args) => (count(), macMatchesText(...args)))
  const bytes = jest.spyOn(mac, 'macMatches').mockImplementation((...args) => (count(), macMatches(...args)))
  return Object.assign(count, {
    mockRestore: () => {
      text.mockRestore()
      bytes.mockRestore()
    },
  })
}

describe('createSigner()', () => {
  describe('with the published test vectors', () => {
    it.each(vectors.map((v) => [v.path, v.key.slice(0, 6), v]))(
      'builds the string to sign for %s (key %s)',
      (_p, _k, v) => {
        expect(stringToSign(v.path, { expiry: v.expiry })).toBe(v.stringToSign)
      },
    )

    it.each(vectors.map((v) => [v.path, v.key.slice(0, 6), v]))(
      'reproduces the signature and link for %s (key %s)',
      (_p, _k, v) => {
        const signer = createSigner({ key: v.key, now: () => (v.expiry - 60) * 1000 })
        const link = signer.sign(v.path, { expiresAt: v.expiry })
        expect(new URLSearchParams(link.split('?')[1]).get('signature')).toBe(v.signature)
        if (v.link !== undefined) expect(link).toBe(v.link)
        expect(signer.verify(link)).toEqual({ ok: true, path: v.path, expiresAt: v.expiry, secondsLeft: 60 })
      },
    )
  })

  describe('compatibility with ittybit', () => {
    it("accepts a link made by ittybit's reference snippet", () => {
      const signer = createSigner({ key: KEY, now })
      const link = ittybitSign(KEY, 'private/image.png', NOW_S + 600)
      expect(signer.verify(link)).toMatchObject({ ok: true, path: 'private/image.png', secondsLeft: 600 })
    })

    it('makes the byte-identical link for an ASCII path', () => {
      const signer = createSigner({ key: KEY, now })
      expect(signer.sign('private/docs/report-2026.pdf', { ttl: 600 })).toBe(
        ittybitSign(KEY, 'private/docs/report-2026.pdf', NOW_S + 600),
      )
    })
  })

  describe('sign()', () => {
    const signer = createSigner({ key: KEY, now, ttl: '10m', maxTtl: '1d' })

    it('gives the same link with or without a leading slash', () => {
      expect(signer.sign('/private/image.png')).toBe(signer.sign('private/image.png'))
      expect(signer.sign('private/image.png')).toMatch(
        /^\/private\/image\.png\?expiry=\d+&method=get&signature=[A-Za-z0-9_-]{43}$/,
      )
    })

    it('uses the default ttl, in seconds', () => {
      expect(signer.verify(signer.sign('private/image.png'))).toMatchObject({
        ok: true,
        expiresAt: NOW_S + 600,
        secondsLeft: 600,
      })
    })

    it.each([
      [90, 90],
      ['90s', 90],
      ['15m', 900],
      ['2h', 7200],
      ['1d', 86400],
    ])('takes ttl %p as %d seconds', (ttl, seconds) => {
      expect(signer.verify(signer.sign('x.png', { ttl: ttl as never }))).toMatchObject({ expiresAt: NOW_S + seconds })
    })

    it('takes expiresAt as a Date or as Unix seconds', () => {
      expect(signer.sign('x.png', { expiresAt: new Date(NOW_MS + 120_000) })).toContain(`expiry=${NOW_S + 120}&`)
      expect(signer.sign('x.png', { expiresAt: NOW_S + 120 })).toContain(`expiry=${NOW_S + 120}&`)
    })

    it('makes absolute links when baseUrl is set', () => {
      const absolute = createSigner({ key: KEY, now, baseUrl: 'https://files.example.com/' })
      const link = absolute.sign('private/image.png', { ttl: 60 })
      expect(link).toBe(`https://files.example.com${signer.sign('private/image.png', { ttl: 60 })}`)
      expect(absolute.verify(link)).toMatchObject({ ok: true, path: 'private/image.png' })
    })

    it('percent-encodes each segment and keeps the decoded path in the string to sign', () => {
      const link = signer.sign("private/it's (1) é?#%.jpg", { ttl: 60 })
      expect(link.split('?')[0]).toBe('/private/it%27s%20%281%29%20%C3%A9%3F%23%25.jpg')
      const signature = link.split('signature=')[1]
      expect(signature).toBe(forge(KEY, "private/it's (1) é?#%.jpg", NOW_S + 60))
    })

    it('signs a folder link with its trailing slash', () => {
      expect(signer.verify(signer.sign('private/dir/'))).toMatchObject({ ok: true, path: 'private/dir/' })
    })

    it.each([
      ['', 'empty'],
      ['/', 'root only'],
      ['private/../secret.txt', 'dot-dot segment'],
      ['../etc/passwd', 'leading dot-dot'],
      ['private/./image.png', 'dot segment'],
      ['private//image.png', 'empty segment'],
      ['//evil.example/x.png', 'protocol-relative'],
      ['private\\image.png', 'backslash'],
      ['private/\u0000.png', 'NUL'],
      ['private/a\nb.png', 'newline'],
      ['private/\u007f.png', 'DEL'],
      ['private/\ud800.png', 'lone surrogate'],
    ])('throws a TypeError on the non-canonical path %j (%s)', (path) => {
      expect(() => signer.sign(path)).toThrow(TypeError)
      expect(() => signer.sign(path)).toThrow(/not canonical/)
    })

    it.each([
      [{ ttl: 0 }, /"ttl" must be a positive whole number/],
      [{ ttl: -5 }, /"ttl" must be a positive whole number of seconds or a string such as '10m', got -5/],
      [{ ttl: 1.5 }, /"ttl"/],
      [{ ttl: '10 minutes' }, /"ttl"/],
      [{ ttl: '2d' }, /exceeds "maxTtl" \(86400 s\)/],
      [{ expiresAt: NOW_S }, /not in the future/],
      [{ expiresAt: NOW_S - 10 }, /not in the future/],
      [{ expiresAt: new Date(NOW_MS - 1000) }, /not in the future/],
      [{ expiresAt: NOW_S + 86401 }, /beyond "maxTtl"/],
      [{ expiresAt: NOW_MS + 60_000 }, /looks like milliseconds/],
      [{ expiresAt: new Date('nope') }, /"expiresAt" must be a Date or whole Unix seconds/],
      [{ expiresAt: '1767225700' }, /"expiresAt" must be a Date or whole Unix seconds/],
      [{ ttl: 60, expiresAt: NOW_S + 60 }, /either "ttl" or "expiresAt"/],
      ['10m', /options must be an object/],
    ])('throws a TypeError on sign options %p', (options, message) => {
      expect(() => signer.sign('x.png', options as never)).toThrow(TypeError)
      expect(() => signer.sign('x.png', options as never)).toThrow(message)
    })

    it('throws a TypeError when the path is not a string', () => {
      expect(() => signer.sign(42 as never)).toThrow(/path must be a string, got 42/)
    })
  })

  describe('verify()', () => {
    const signer = createSigner({ key: KEY, now })

    it('returns the path, the expiry in Unix seconds and the seconds left', () => {
      expect(signer.verify(signer.sign('private/image.png', { ttl: 300 }))).toEqual({
        ok: true,
        path: 'private/image.png',
        expiresAt: NOW_S + 300,
        secondsLeft: 300,
      })
    })

    it('ignores unknown parameters and the fragment, and accepts any parameter order', () => {
      const sig = forge(KEY, 'a.png', NOW_S + 60)
      expect(signer.verify(`/a.png?v=3&signature=${sig}&method=get&expiry=${NOW_S + 60}#top`)).toMatchObject({
        ok: true,
      })
    })

    it('never throws, whatever it is given', () => {
      for (const input of [
        undefined,
        null,
        42,
        {},
        '',
        '?',
        '#',
        'http://',
        'x'.repeat(10_000),
        '/%',
        '/a?signature=%',
        '/\u0000',
      ]) {
        const result = signer.verify(input as never)
        expect(result.ok).toBe(false)
        if (!result.ok) expect(result.error).toBeInstanceOf(SignedUrlError)
      }
    })

    it('refuses methods other than GET and HEAD before any HMAC work', () => {
      const spy = spyOnMacs()
      const link = ittybitSign(KEY, 'a.png', NOW_S + 60)
      spy.mockClear()
      for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE']) {
        expect(signer.verify(link, { method })).toMatchObject({ ok: false, error: { code: 'ERR_METHOD_NOT_ALLOWED' } })
      }
      expect(spy).not.toHaveBeenCalled()
      expect(signer.verify(link, { method: 'HEAD' }).ok).toBe(true)
      expect(signer.verify(link, { method: 'get' }).ok).toBe(true)
      expect(spy).toHaveBeenCalledTimes(2)
      spy.mockRestore()
    })

    it('compares each MAC once, against the whole signature', () => {
      // How the comparison is constant-time is mac.ts's (mac.test.ts); here, that verify hands it the whole MAC:
      // the 43 characters on the fast path, the 32 bytes they decode to on the general one.
      const text = jest.spyOn(mac, 'macMatchesText')
      const bytes = jest.spyOn(mac, 'macMatches')
      signer.verify(ittybitSign(OTHER_KEY, 'a.png', NOW_S + 60))
      expect(text).toHaveBeenCalledTimes(1)
      const [, , url, at] = text.mock.calls[0]
      expect(url.length - at).toBe(43)
      signer.verify(`${ittybitSign(OTHER_KEY, 'a.png', NOW_S + 60)}&x=1`)
      expect(bytes).toHaveBeenCalledTimes(1)
      expect(bytes.mock.calls[0][2]).toHaveLength(32)
      jest.restoreAllMocks()
    })

    it('checks the MAC before the expiry: a forged expired link is "invalid", not "expired"', () => {
      expect(signer.verify(ittybitSign(OTHER_KEY, 'a.png', NOW_S - 60))).toMatchObject({
        ok: false,
        error: { code: 'ERR_SIGNATURE_INVALID' },
      })
      expect(signer.verify(ittybitSign(KEY, 'a.png', NOW_S - 60))).toMatchObject({
        ok: false,
        error: { code: 'ERR_URL_EXPIRED' },
      })
    })

    it('refuses a signature with non-zero padding bits, which decodes to the same bytes', () => {
      const good = ittybitSign(KEY, 'a.png', NOW_S + 60)
      const last = good.at(-1)!
      const twin = good.slice(0, -1) + String.fromCharCode(last.charCodeAt(0) + 1)
      expect(Buffer.from(twin.split('signature=')[1], 'base64url')).toEqual(
        Buffer.from(good.split('signature=')[1], 'base64url'),
      )
      expect(signer.verify(good).ok).toBe(true)
      expect(signer.verify(twin)).toMatchObject({ ok: false, error: { code: 'ERR_QUERY_MALFORMED' } })
    })
  })

  describe('folder grants (scope)', () => {
    const signer = createSigner({ key: KEY, now })

    it('signs a folder with scope: prefix, and the same query opens any file below it', () => {
      const link = signer.sign('private/videos/42/', { scope: 'prefix', ttl: 600 })
      const expiry = NOW_S + 600
      expect(link).toBe(
        `/private/videos/42/?expiry=${expiry}&method=get&scope=3&signature=${crypto.createHmac('sha256', KEY).update(`private/videos/42/?expiry=${expiry}&method=get&scope=3`).digest('base64url')}`,
      )
      const query = link.split('?')[1]
      for (const file of ['private/videos/42/', 'private/videos/42/seg-001.ts', 'private/videos/42/720p/seg-001.ts']) {
        expect(signer.verify(`/${file}?${query}`)).toEqual({
          ok: true,
          path: file,
          expiresAt: expiry,
          secondsLeft: 600,
          folder: 'private/videos/42/',
        })
      }
    })

    it('signs a file link that grants its folder', () => {
      const link = signer.sign('private/videos/42/index.m3u8', { scope: 'private/videos/42/' })
      expect(link.split('?')[1]).toBe(signer.sign('private/videos/42/', { scope: 'prefix' }).split('?')[1])
    })

    it('grants on a segment boundary only, and never outside the folder', () => {
      const query = signer.sign('private/videos/4/', { scope: 'prefix' }).split('?')[1]
      for (const file of [
        'private/videos/42/x.ts',
        'private/videos/x.ts',
        'private/other/4/x.ts',
        'private/videos/4x/y.ts',
      ]) {
        expect(signer.verify(`/${file}?${query}`).ok).toBe(false)
      }
      expect(signer.verify(`/private/videos/?${query}`)).toMatchObject({
        ok: false,
        error: { code: 'ERR_QUERY_MALFORMED' },
      })
      expect(signer.verify(`/private/videos/4/../../secret.txt?${query}`)).toMatchObject({
        ok: false,
        error: { code: 'ERR_PATH_NOT_CANONICAL' },
      })
    })

    it('refuses a changed scope, a scope added to a file link, and a malformed scope', () => {
      const folder = signer.sign('private/videos/42/', { scope: 'prefix' })
      const file = signer.sign('private/videos/42/a.ts')
      expect(signer.verify(folder.replace('scope=3', 'scope=2'))).toMatchObject({
        ok: false,
        error: { code: 'ERR_SIGNATURE_INVALID' },
      })
      expect(signer.verify(file.replace('&signature=', '&scope=3&signature='))).toMatchObject({
        ok: false,
        error: { code: 'ERR_SIGNATURE_INVALID' },
      })
      for (const bad of ['scope=0', 'scope=03', 'scope=100', 'scope=x', 'scope=', 'scope=3&scope=3']) {
        expect(signer.verify(folder.replace('scope=3', bad))).toMatchObject({
          ok: false,
          error: { code: 'ERR_QUERY_MALFORMED' },
        })
      }
    })

    it.each([
      [
        'a file path with scope: prefix',
        'private/a.png',
        'prefix',
        /"scope" must be 'prefix' \(for a path ending in "\/"\) or a folder/,
      ],
      ['a folder without its slash', 'private/videos/42/a.ts', 'private/videos/42', /"scope" must be/],
      [
        'a folder that does not contain the path',
        'private/videos/42/a.ts',
        'private/videos/43/',
        /does not contain the path/,
      ],
      ['a non-canonical folder', 'private/a/b.ts', 'private/../', /"scope" must be/],
    ])('throws a TypeError for %s', (_what, path, scope, message) => {
      expect(() => signer.sign(path, { scope })).toThrow(message)
    })
  })

  describe('expiry and clock tolerance', () => {
    const expiry = NOW_S + 100
    const link = ittybitSign(KEY, 'a.png', expiry)
    const at = (seconds: number, clockTolerance = 0) =>
      createSigner({ key: KEY, now: () => seconds * 1000, clockTolerance }).verify(link)

    it('is good until the last millisecond before the expiry, and never caches past it', () => {
      expect(at(expiry - 1)).toMatchObject({ ok: true, secondsLeft: 1 })
      expect(at(expiry - 1.5)).toMatchObject({ ok: true, secondsLeft: 1 })
      expect(at(expiry - 0.001)).toMatchObject({ ok: true, secondsLeft: 0 })
      expect(at(expiry)).toMatchObject({ ok: false, error: { code: 'ERR_URL_EXPIRED' } })
    })

    it('stays good for clockTolerance seconds past the expiry, with nothing left to cache', () => {
      expect(at(expiry + 4, 5)).toMatchObject({ ok: true, secondsLeft: 0 })
      expect(at(expiry + 5, 5)).toMatchObject({ ok: false, error: { code: 'ERR_URL_EXPIRED' } })
    })

    it('takes a clockTolerance of six hours at most', () => {
      expect(at(expiry + 21599, 21600)).toMatchObject({ ok: true, secondsLeft: 0 })
      expect(() => at(expiry, 21601)).toThrow(TypeError)
      expect(() => at(expiry, 21601)).toThrow(/createSigner: "clockTolerance" must be at most 21600 s \('6h'\)/)
    })
  })

  describe('stampIssued with stableFor', () => {
    // NOW_S is a whole day, so with a ttl of two windows the window runs from NOW_S to NOW_S + 299.
    let clock = NOW_MS
    const options = { key: KEY, now: () => clock, ttl: '10m', stampIssued: true } as const
    const signer = createSigner({ ...options, stableFor: '5m' })
    const signAt = (ms: number, sign: () => string) => {
      clock = ms
      return sign()
    }

    it.each([
      ['without options', signer, undefined],
      ['with fields', signer, { filename: 'Report.pdf', notBefore: NOW_S - 60 }],
      ['with a stableFor of its own', createSigner(options), { stableFor: '5m' }],
    ])('%s, gives every link of one window byte for byte, stamped with its start', (_what, s, signOptions) => {
      const sign = () => s.sign('private/report.pdf', signOptions as never)
      const first = signAt(NOW_MS, sign)
      expect(first).toContain(`expiry=${NOW_S + 900}&`)
      expect(first).toContain(`&issued=${NOW_S}&`)
      expect(signAt(NOW_MS + 150_000, sign)).toBe(first)
      expect(signAt(NOW_MS + 299_999, sign)).toBe(first)
      const next = signAt(NOW_MS + 300_000, sign)
      expect(next).not.toBe(first)
      expect(next).toContain(`&issued=${NOW_S + 300}&`)
      expect(s.verify(next)).toMatchObject({ ok: true, issued: NOW_S + 300, expiresAt: NOW_S + 1200 })
    })

    it('stamps the second a link is made when it has no window (stableFor: 0, expiresAt, none)', () => {
      const at = NOW_MS + 150_000
      expect(signAt(at, () => signer.sign('a.png', { stableFor: 0 }))).toContain(`&issued=${NOW_S + 150}&`)
      expect(signAt(at, () => signer.sign('a.png', { expiresAt: NOW_S + 900 }))).toContain(`&issued=${NOW_S + 150}&`)
      expect(signAt(at, () => createSigner(options).sign('a.png'))).toContain(`&issued=${NOW_S + 150}&`)
    })

    it('makes the same links with the Web signer', async () => {
      const web = createWebSigner({ ...options, stableFor: '5m' })
      for (const ms of [NOW_MS, NOW_MS + 299_999, NOW_MS + 300_000]) {
        clock = ms
        expect(await web.sign('private/report.pdf')).toBe(signer.sign('private/report.pdf'))
      }
      clock = NOW_MS + 299_999
      expect(await web.sign('private/report.pdf')).toBe(signAt(NOW_MS, () => signer.sign('private/report.pdf')))
    })
  })

  describe('with rotated keys', () => {
    it('signs with the first key and verifies with all', () => {
      const rotated = createSigner({ keys: [OTHER_KEY, KEY], now })
      const old = createSigner({ key: KEY, now })
      const stranger = createSigner({ key: 'a-third-key-that-nobody-shares-0123456789', now })
      expect(rotated.verify(old.sign('a.png')).ok).toBe(true)
      expect(rotated.sign('a.png', { ttl: 60 })).toBe(createSigner({ key: OTHER_KEY, now }).sign('a.png', { ttl: 60 }))
      expect(old.verify(rotated.sign('a.png'))).toMatchObject({ ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } })
      expect(rotated.verify(stranger.sign('a.png'))).toMatchObject({
        ok: false,
        error: { code: 'ERR_SIGNATURE_INVALID' },
      })
    })

    describe('with key ids', () => {
      const ids = Array.from({ length: 10 }, (_, i) => ({ id: `k${i}`, secret: `${KEY}-${i}` }))
      const ring = createSigner({ keys: ids, now })

      it('signs links that name their key, with kid in the string to sign after the v1 fields', () => {
        const link = ring.sign('a.png', { ttl: 60 })
        const expiry = NOW_S + 60
        const signature = crypto
          .createHmac('sha256', `${KEY}-0`)
          .update(`a.png?expiry=${expiry}&method=get&kid=k0`)
          .digest('base64url')
        expect(link).toBe(`/a.png?expiry=${expiry}&method=get&kid=k0&signature=${signature}`)
        expect(ring.verify(link)).toMatchObject({ ok: true, path: 'a.png' })
      })

      it('verifies a link of any key in the ring with one HMAC', () => {
        const old = createSigner({ keys: [ids[7]], now }).sign('a.png')
        const spy = spyOnMacs()
        expect(ring.verify(old).ok).toBe(true)
        expect(spy).toHaveBeenCalledTimes(1)
        spy.mockRestore()
      })

      it('refuses a link that names one key but was signed with another, with one HMAC', () => {
        // Signed with k1's secret but naming k0: only k0 may be tried.
        const lying = createSigner({ keys: [{ id: 'k0', secret: ids[1].secret }], now }).sign('a.png')
        const spy = spyOnMacs()
        expect(ring.verify(lying)).toMatchObject({ ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } })
        expect(spy).toHaveBeenCalledTimes(1)
        const unknown = ring.sign('a.png').replace('kid=k0', 'kid=unknown')
        spy.mockClear()
        expect(ring.verify(unknown)).toMatchObject({ ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } })
        expect(spy).not.toHaveBeenCalled()
        spy.mockRestore()
      })

      it('refuses a link whose kid was changed, removed or is unknown', () => {
        const link = ring.sign('a.png')
        for (const edited of [
          link.replace('kid=k0', 'kid=k1'),
          link.replace('&kid=k0', ''),
          link.replace('kid=k0', 'kid=nope'),
        ]) {
          expect(ring.verify(edited)).toMatchObject({ ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } })
        }
      })

      it('verifies plain v1 links only against keys without an id', () => {
        const mixed = createSigner({ keys: [ids[0], KEY], now })
        expect(mixed.verify(createSigner({ key: KEY, now }).sign('a.png')).ok).toBe(true)
        expect(mixed.verify(createSigner({ key: `${KEY}-0`, now }).sign('a.png'))).toMatchObject({
          ok: false,
          error: { code: 'ERR_SIGNATURE_INVALID' },
        })
        expect(mixed.sign('a.png')).toContain('&kid=k0&')
      })
    })

    it('takes keys as bytes or KeyObjects too', () => {
      const bytes = Buffer.from(KEY)
      const fromBytes = createSigner({ key: bytes, now })
      const fromKeyObject = createSigner({ key: crypto.createSecretKey(bytes), now })
      const fromString = createSigner({ key: KEY, now })
      expect(fromBytes.sign('a.png')).toBe(fromString.sign('a.png'))
      expect(fromKeyObject.sign('a.png')).toBe(fromString.sign('a.png'))
    })
  })
})

describe('parseKeyList()', () => {
  it('reads plain and `id:secret` entries, newest first, dropping spaces around them', () => {
    expect(parseKeyList(` k1:${OTHER_KEY} ,${KEY}`, 'SIGNING_KEYS')).toEqual([{ id: 'k1', secret: OTHER_KEY }, KEY])
    expect(parseKeyList(KEY)).toEqual([KEY])
  })

  it('gives a ring the signer takes: the first entry signs with its id, every entry verifies', () => {
    const signer = createSigner({ keys: parseKeyList(`2026-12:${KEY},${OTHER_KEY}`), now })
    const link = signer.sign('private/image.png')
    expect(link).toContain('&kid=2026-12&')
    expect(signer.verify(link).ok).toBe(true)
    expect(signer.verify(createSigner({ key: OTHER_KEY, now }).sign('private/image.png')).ok).toBe(true)
  })

  it('keeps everything after the first ":" as the secret', () => {
    expect(parseKeyList(`k1:${KEY}:x`)).toEqual([{ id: 'k1', secret: `${KEY}:x` }])
  })

  it.each([
    ['undefined', undefined, 'SIGNING_KEYS must be a non-empty list of secrets'],
    ['an empty string', '', 'SIGNING_KEYS must be a non-empty list of secrets'],
    ['spaces only', '   ', 'SIGNING_KEYS must be a non-empty list of secrets'],
    [
      'an array',
      [KEY],
      'SIGNING_KEYS must be a non-empty list of secrets (comma-separated, newest first), got an array',
    ],
    ['an empty entry', `${KEY},,${OTHER_KEY}`, 'SIGNING_KEYS entry 2 is empty'],
    ['a trailing comma', `${KEY},`, 'SIGNING_KEYS entry 2 is empty'],
    [
      'text before ":" that is not a key id',
      `my secret:${KEY}`,
      "SIGNING_KEYS entry 1 has a ':' after something that is not a key id",
    ],
    ['an empty key id', `:${KEY}`, "SIGNING_KEYS entry 1 has a ':' after something that is not a key id"],
  ])('throws a TypeError naming the variable for %s, quoting no key text', (_name, text, message) => {
    let thrown: unknown
    try {
      parseKeyList(text, 'SIGNING_KEYS')
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(TypeError)
    expect((thrown as Error).message).toContain(message)
    expect((thrown as Error).message).not.toContain(KEY.slice(0, 10))
    expect((thrown as Error).message).not.toContain('my secret')
  })

  it('leaves key checks to the signer: a short secret or a repeated id is refused there', () => {
    expect(() => createSigner({ keys: parseKeyList('k1:short') })).toThrow(
      /"keys\[0\]\.secret" must be at least 32 bytes/,
    )
    expect(() => createSigner({ keys: parseKeyList(`k1:${KEY},k1:${OTHER_KEY}`) })).toThrow(/repeats the key id "k1"/)
  })
})

describe('sign with uses and stampIssued', () => {
  // One clock for both signers (moved here from the store's suite, where the tests first were).
  const clock = NOW_MS
  const signer = createSigner({ key: KEY, now: () => clock })
  const stamping = createSigner({ key: KEY, now: () => clock, stampIssued: true })

  it('signs uses as a field, for a GET link to one file only', () => {
    expect(signer.sign('a.png', { uses: 3 })).toMatch(/&uses=3&nonce=[\w-]{16}&signature=/)
    for (const bad of [0, 1.5, 1_000_000, '3', -1])
      expect(() => signer.sign('a.png', { uses: bad as never })).toThrow(/"uses" must be a whole number from 1 to/)
    expect(() => signer.sign('a/', { uses: 1 })).toThrow(/"uses" is for a link to one file/)
    expect(() => signer.sign('a/b.png', { uses: 1, scope: 'a/' })).toThrow(/"uses"/)
    expect(() => signer.sign('a.png', { uses: 1, method: 'put' })).toThrow(/"uses"/)
  })

  it('stamps when a link was made, signed, when the signer is told to', () => {
    const link = stamping.sign('a.png')
    expect(link).toMatch(new RegExp(`&issued=${Math.floor(clock / 1000)}&signature=`))
    expect(stamping.verify(link)).toMatchObject({ ok: true, issued: Math.floor(clock / 1000) })
    expect(signer.verify(link.replace(/&issued=\d+/, '&issued=1')).ok).toBe(false)
  })

  it('keeps the signature it verified out of a JSON dump of the result', () => {
    const link = signer.sign('a.png')
    const result = signer.verify(link)
    expect(result.ok && result.signature).toBe(link.slice(-43))
    expect(JSON.stringify(result)).not.toContain(link.slice(-43))
  })

  it('refuses a use count on a folder, a scope or an upload link that no signer makes', () => {
    const forged = (query: string) => `/a/?expiry=${NOW_MS / 1000 + 60}&method=get${query}&signature=${'A'.repeat(43)}`
    expect(signer.verify(forged('&scope=1&uses=1'))).toMatchObject({
      ok: false,
      error: { code: 'ERR_QUERY_MALFORMED' },
    })
    expect(signer.verify(forged('&uses=1'))).toMatchObject({ ok: false, error: { code: 'ERR_QUERY_MALFORMED' } })
    // A nonce without a use count, or a use count without one: no signer makes either.
    const file = (query: string) => `/a.png?expiry=${NOW_MS / 1000 + 60}&method=get${query}&signature=${'A'.repeat(43)}`
    for (const query of [`&nonce=${'A'.repeat(16)}`, '&uses=1'])
      expect(signer.verify(file(query))).toMatchObject({ ok: false, error: { code: 'ERR_QUERY_MALFORMED' } })
  })
})

describe('the upload field (a resumable upload on an upload link)', () => {
  const signer = createSigner({ key: KEY, now })
  const id = 'AbCdEfGhIjKlMnOpQrStUv'

  it('signs an upload id into a put link, after its other fields, and verify returns it', () => {
    const link = signer.sign('in/a.mp4', { method: 'put', maxBytes: 10, sha256: 'A'.repeat(43), upload: id })
    expect(link).toMatch(new RegExp(`&method=put&maxbytes=10&sha256=A{43}&upload=${id}&signature=`))
    const result = signer.verify(link, { method: 'PUT' })
    expect(result).toMatchObject({ ok: true, path: 'in/a.mp4', upload: id, maxBytes: 10 })
  })

  it('binds the id: another id, or none, does not verify', () => {
    const link = signer.sign('in/a.mp4', { method: 'put', upload: id })
    const other = link.replace(id, 'X'.repeat(22))
    expect(signer.verify(other, { method: 'PUT' })).toMatchObject({
      ok: false,
      error: { code: 'ERR_SIGNATURE_INVALID' },
    })
    const without = link.replace(`&upload=${id}`, '')
    expect(signer.verify(without, { method: 'PUT' })).toMatchObject({
      ok: false,
      error: { code: 'ERR_SIGNATURE_INVALID' },
    })
  })

  it('refuses an id on a GET link, at sign and at verify, and an id not in its one spelling', () => {
    expect(() => signer.sign('a.mp4', { upload: id })).toThrow(/"upload" are for an upload link/)
    for (const bad of ['short', 'A'.repeat(23), `${'A'.repeat(21)}=`, 42])
      expect(() => signer.sign('a.mp4', { method: 'put', upload: bad as never })).toThrow(
        /"upload" must be a resumable upload's id/,
      )
    const get = `/a.mp4?expiry=${NOW_S + 60}&method=get&upload=${id}&signature=${'A'.repeat(43)}`
    expect(signer.verify(get)).toMatchObject({ ok: false, error: { code: 'ERR_QUERY_MALFORMED' } })
    const put = `/a.mp4?expiry=${NOW_S + 60}&method=put&upload=${'A'.repeat(21)}&signature=${'A'.repeat(43)}`
    expect(signer.verify(put, { method: 'PUT' })).toMatchObject({ ok: false, error: { code: 'ERR_QUERY_MALFORMED' } })
  })
})
