import { readFileSync } from 'node:fs'
import path from 'node:path'
import { createSigner, type SignOptions } from 'express-signed-url'
import { createWebSigner } from 'express-signed-url/web'
import { parseLink, stringToSign } from '../../lib/link/link-format'
import fc from 'fast-check'
import { EXTENSIONS } from '../../lib/link/link-fields'
import { fieldVectors as fixture, optionsOf, keyOf as key, type FieldVector } from '../support/field-vectors'
import { forgeMessage, KEY, NOW_MS, now } from '../support/helpers'

// The extension fields after kid and scope: notbefore, ip, disposition, filename; and stableFor, which adds none.
const at = (v: FieldVector) => () => (v.expiry - 60) * 1000
// A client address every vector's ranges hold, if it has any.
const CLIENT: Record<string, string> = {
  '203.0.113.7': '203.0.113.7',
  '10.0.0.0/8,2001:db8::/32': '2001:db8:ffff::1',
  '127.0.0.1': '127.0.0.1',
  '127.0.0.0/8,::1': '::ffff:127.9.9.9',
  '127.0.0.0/8': '127.0.0.1',
}

describe('extension fields', () => {
  describe.each(fixture.vectors.map((v) => [v.note, v]))('vector: %s', (_note, v) => {
    it('builds the string to sign', () => {
      const parsed = parseLink(v.link)
      if (typeof parsed === 'string') throw new Error(parsed)
      expect(parsed.message).toBe(v.stringToSign)
      const signed = v.fields.scope === undefined ? v.path : `${v.path.split('/').slice(0, v.fields.scope).join('/')}/`
      expect(stringToSign(signed, parsed)).toBe(v.stringToSign)
    })

    it('is reproduced by the Node signer and verifies with every field in its result', () => {
      const signer = createSigner({ key: key(v), now: at(v) })
      const link = signer.sign(v.path, optionsOf(v))
      expect(link).toBe(v.link)
      const result = signer.verify(link, {
        method: v.method === 'put' ? 'PUT' : 'GET',
        ip: v.fields.ip === undefined ? undefined : CLIENT[v.fields.ip],
      })
      expect(result).toMatchObject({ ok: true, path: v.path, expiresAt: v.expiry, secondsLeft: 60 })
      if (!result.ok) return
      expect(result.notBefore).toBe(v.fields.notbefore)
      expect(result.ip).toBe(v.fields.ip)
      expect(result.disposition).toBe(v.fields.disposition)
      expect(result.filename).toBe(v.fields.filename)
    })

    it('is reproduced by the Web Crypto signer', async () => {
      const signer = createWebSigner({ key: key(v), now: at(v) })
      const link = await signer.sign(v.path, optionsOf(v))
      expect(link).toBe(v.link)
      const ip = v.fields.ip === undefined ? undefined : () => CLIENT[v.fields.ip as string]
      const method = v.method === 'put' ? 'PUT' : 'GET'
      expect(await signer.verify(link, { ip, method })).toMatchObject({ ok: true, path: v.path, secondsLeft: 60 })
      // The method is signed: an upload link never reads, and a GET link never writes.
      expect(await signer.verify(link, { ip, method: method === 'PUT' ? 'GET' : 'PUT' })).toMatchObject({
        ok: false,
        error: { code: 'ERR_METHOD_NOT_ALLOWED' },
      })
    })

    const fields = [
      ...v.link.matchAll(/[?&](kid|scope|notbefore|ip|disposition|filename|maxbytes|contenttype|sha256)=[^&]*/g),
    ].map((m) => m[1])
    // ittybit's own upload link carries no field: its method is then the one to tamper with.
    if (fields.length === 0) fields.push('method')
    const refused = (link: string) => {
      const signer = createSigner({ key: key(v), now: at(v) })
      const result = signer.verify(link, {
        method: v.method === 'put' ? 'PUT' : 'GET',
        ip: v.fields.ip === undefined ? undefined : CLIENT[v.fields.ip],
      })
      return result.ok ? 'served' : result.error.code
    }

    it.each(fields)('refuses the link with its %s field removed', (field) => {
      expect(refused(v.link.replace(new RegExp(`&${field}=[^&]*`), ''))).not.toBe('served')
    })

    it.each(fields)('refuses the link with its %s field changed', (field) => {
      const changed = v.link.replace(new RegExp(`(&${field}=)([^&]*)`), (_, name: string, value: string) => {
        const other = {
          kid: 'k9',
          scope: '1',
          notbefore: '1767225601',
          ip: '127.0.0.2',
          disposition: 'x',
          maxbytes: '5000001',
          contenttype: 'image/png',
          method: 'get',
        }
        return `${name}${(other as Record<string, string>)[field] ?? `${value}x`}`
      })
      expect(refused(changed)).toMatch(/^ERR_(SIGNATURE_INVALID|QUERY_MALFORMED|METHOD_NOT_ALLOWED)$/)
    })

    it.each(fields)('refuses the link with its %s field duplicated, or spelled otherwise', (field) => {
      const value = new RegExp(`&${field}=([^&]*)`).exec(v.link)?.[1] ?? ''
      const at = v.link.indexOf('&signature=')
      const withExtra = (extra: string) => `${v.link.slice(0, at)}&${extra}${v.link.slice(at)}`
      expect(refused(withExtra(`${field}=${value}`))).toBe('ERR_QUERY_MALFORMED')
      expect(refused(withExtra(`${field}[]=${value}`))).toBe('ERR_QUERY_MALFORMED')
      expect(refused(withExtra(`%${field.charCodeAt(0).toString(16)}${field.slice(1)}=${value}`))).toBe(
        'ERR_QUERY_MALFORMED',
      )
      expect(refused(withExtra(`${field.toUpperCase()}=${value}`))).toBe('ERR_QUERY_MALFORMED')
    })

    it('refuses the fields in another order', () => {
      const query = v.link.slice(v.link.indexOf('?') + 1, v.link.indexOf('&signature='))
      const parts = query.split('&')
      if (parts.length < 3) return // expiry and method only: no field to put out of order
      if (parts.length < 4) {
        // One field: only its place before expiry or method is out of order.
        expect(refused(v.link.replace(query, [parts[2], parts[0], parts[1]].join('&')))).toBe('ERR_QUERY_MALFORMED')
        return
      }
      const swapped = [...parts.slice(0, 2), parts[3], parts[2], ...parts.slice(4)].join('&')
      expect(refused(v.link.replace(query, swapped))).toBe('ERR_QUERY_MALFORMED')
      // An extension before expiry or method is out of order too.
      const first = [parts[2], ...parts.slice(0, 2), ...parts.slice(3)].join('&')
      expect(refused(v.link.replace(query, first))).toBe('ERR_QUERY_MALFORMED')
    })
  })

  it("the link-format guide's table of field vectors is the fixture's, and each row verifies", () => {
    const guide = readFileSync(path.join(path.join(__dirname, '..'), '..', 'docs', 'link-format.md'), 'utf8')
    const rows = [...guide.matchAll(/^\| [^|]+ \| `([^`]+\?expiry=[^`]+)` \| `([\w-]{43})` \|$/gm)]
    expect(rows.length).toBeGreaterThanOrEqual(4)
    for (const [, message, signature] of rows) {
      const vector = fixture.vectors.find((v) => v.stringToSign === message)
      expect([message, vector?.signature]).toEqual([message, signature])
      expect(forgeMessage(vector!.key, message)).toBe(signature)
    }
  })

  it('refuses a ttl that would make an expiry of more than 11 digits, which no verifier reads', () => {
    const signer = createSigner({ key: KEY, now, maxTtl: '1200000d' })
    expect(() => signer.sign('a.png', { ttl: '1200000d' })).toThrow('reaches past the year 5138')
    expect(() => createSigner({ key: KEY, now, maxTtl: '1200000d', ttl: '1200000d' }).sign('a.png')).toThrow(TypeError)
  })

  it('refuses a link whose signed fields come after the 1000 parameters Express reads', () => {
    const signer = createSigner({ key: KEY, now })
    const link = signer.sign('a.png', { filename: 'b.png' })
    const [path, query] = link.split('?')
    const junk = Array.from({ length: 1000 }, (_, i) => `j${i}=1`).join('&')
    expect(signer.verify(`${path}?${junk}&${query}`)).toMatchObject({
      ok: false,
      error: { code: 'ERR_QUERY_MALFORMED' },
    })
    expect(signer.verify(`${path}?${junk.split('&').slice(1).join('&')}&${query}`)).toMatchObject({ ok: false })
    expect(signer.verify(`${path}?${junk.split('&').slice(10).join('&')}&${query}`)).toMatchObject({ ok: true })
  })

  describe('notBefore', () => {
    const starts = NOW_MS / 1000 + 600
    const link = createSigner({ key: KEY, now }).sign('a.png', { notBefore: starts })
    const at = (ms: number, clockTolerance = 0) =>
      createSigner({ key: KEY, now: () => ms, clockTolerance }).verify(link)

    it('refuses the link with its own code before its time, and serves it from then on', () => {
      expect(at(NOW_MS)).toMatchObject({ ok: false, error: { code: 'ERR_URL_NOT_YET_VALID', status: 403 } })
      expect(at(starts * 1000 - 1)).toMatchObject({ ok: false, error: { code: 'ERR_URL_NOT_YET_VALID' } })
      expect(at(starts * 1000)).toMatchObject({ ok: true, notBefore: starts, secondsLeft: 3000 })
    })

    it('allows the clock tolerance early, as it does late', () => {
      expect(at(starts * 1000 - 5000, 5)).toMatchObject({ ok: true })
      expect(at(starts * 1000 - 6000, 5)).toMatchObject({ ok: false, error: { code: 'ERR_URL_NOT_YET_VALID' } })
    })

    it('checks the MAC first: a forged link before its time is a bad signature', () => {
      const forged = link.replace(/signature=.{4}/, 'signature=AAAA')
      expect(createSigner({ key: KEY, now }).verify(forged)).toMatchObject({
        error: { code: 'ERR_SIGNATURE_INVALID' },
      })
    })

    it('takes a Date, rounding a fraction of a second up', () => {
      const signer = createSigner({ key: KEY, now })
      expect(signer.sign('a.png', { notBefore: new Date(starts * 1000 - 999) })).toContain(`&notbefore=${starts}&`)
    })
  })

  describe('ip', () => {
    const signer = createSigner({ key: KEY, now })
    const served = (ip: SignOptions['ip'], client: string | undefined) => {
      const result = signer.verify(signer.sign('a.png', { ip }), { ip: client })
      return result.ok ? 'served' : result.error.code
    }

    it.each([
      ['203.0.113.7', '203.0.113.7', 'served'],
      ['203.0.113.7', '203.0.113.8', 'ERR_IP_NOT_ALLOWED'],
      ['203.0.113.7', '::ffff:203.0.113.7', 'served'],
      ['203.0.113.7', '::ffff:cb00:7107', 'served'],
      ['203.0.113.0/24', '203.0.113.255', 'served'],
      ['203.0.113.0/24', '203.0.114.0', 'ERR_IP_NOT_ALLOWED'],
      ['0.0.0.0/0', '198.51.100.1', 'served'],
      ['0.0.0.0/0', '2001:db8::1', 'ERR_IP_NOT_ALLOWED'],
      ['2001:db8::/32', '2001:DB8:0:0:0:0:0:1', 'served'],
      ['2001:db8::/32', '2001:db9::1', 'ERR_IP_NOT_ALLOWED'],
      ['2001:db8::/32', 'fe80::1%eth0', 'ERR_IP_NOT_ALLOWED'],
      ['fe80::/10', 'fe80::1%eth0', 'served'],
      ['::/0', '127.0.0.1', 'ERR_IP_NOT_ALLOWED'],
      ['::1', '::1', 'served'],
      ['::ffff:10.0.0.0/104', '10.200.0.1', 'served'],
      ['10.0.0.0/8', undefined, 'ERR_IP_NOT_ALLOWED'],
      ['10.0.0.0/8', '', 'ERR_IP_NOT_ALLOWED'],
      ['10.0.0.0/8', '10.0.0.1x', 'ERR_IP_NOT_ALLOWED'],
      ['10.0.0.0/8', '010.0.0.1', 'ERR_IP_NOT_ALLOWED'],
      ['10.0.0.0/8', 'unknown', 'ERR_IP_NOT_ALLOWED'],
    ] as const)('bound to %s, client %s: %s', (ip, client, expected) => {
      expect(served(ip, client)).toBe(expected)
    })

    it('takes a list, and serves an address in any of its ranges', () => {
      const ranges = ['10.0.0.0/8', '192.168.0.0/16', '2001:db8::/32']
      expect(served(ranges, '192.168.4.4')).toBe('served')
      expect(served(ranges, '2001:db8::9')).toBe('served')
      expect(served(ranges, '172.16.0.1')).toBe('ERR_IP_NOT_ALLOWED')
    })

    it('writes each entry in its canonical text', () => {
      const link = signer.sign('a.png', { ip: ['2001:0DB8:0000::/32', '192.0.2.1/32', '::ffff:192.0.2.0/120'] })
      expect(link).toContain('&ip=2001:db8::/32,192.0.2.1,192.0.2.0/24&')
    })

    it('asks for the client address only for a bound link', () => {
      const ip = jest.fn(() => '10.0.0.1')
      signer.verify(signer.sign('a.png'), { ip })
      expect(ip).not.toHaveBeenCalled()
      signer.verify(signer.sign('a.png', { ip: '10.0.0.0/8' }), { ip })
      expect(ip).toHaveBeenCalledTimes(1)
    })

    it('refuses a link whose ranges are not in their canonical text, even when signed', () => {
      for (const ip of [
        '010.0.0.1',
        '10.0.0.1/32',
        '10.1.0.0/8',
        '2001:DB8::1',
        '2001:db8:0::1',
        '::ffff:10.0.0.1',
        ' 1.2.3.4',
      ])
        expect(
          createSigner({ key: KEY, now }).verify(
            `/a.png?expiry=${NOW_MS / 1000 + 60}&method=get&ip=${ip}&signature=${forgeMessage(KEY, `a.png?expiry=${NOW_MS / 1000 + 60}&method=get&ip=${ip}`)}`,
            { ip: '10.0.0.1' },
          ),
        ).toMatchObject({ ok: false, error: { code: 'ERR_QUERY_MALFORMED' } })
    })
  })

  describe('filename and disposition', () => {
    const signer = createSigner({ key: KEY, now })

    it.each([
      'Report 2026.pdf',
      'résumé.pdf',
      '報告書.pdf',
      'emoji 😀.png',
      "it's (100%) done!.txt",
      'a+b=c&d;e,f.txt',
      '"quoted".txt',
      '.hidden',
      'x'.repeat(255),
      'é'.repeat(127),
    ])('signs %j and reads it back unchanged', (filename) => {
      const result = signer.verify(signer.sign('a.png', { filename }))
      expect(result).toMatchObject({ ok: true, filename, disposition: 'attachment' })
    })

    it('refuses a name spelled otherwise in the link, even when signed', () => {
      const expiry = NOW_MS / 1000 + 60
      for (const filename of ['a+b.pdf', 'a%2bb.pdf', "it's.pdf", 'a%2Fb.pdf', '%E2%80%AE.pdf', '%C3', 'a%00.pdf', ''])
        expect(
          signer.verify(
            `/a.png?expiry=${expiry}&method=get&filename=${filename}&signature=${forgeMessage(KEY, `a.png?expiry=${expiry}&method=get&filename=${filename}`)}`,
          ),
        ).toMatchObject({ ok: false, error: { code: 'ERR_QUERY_MALFORMED' } })
    })

    it('refuses a folder link that carries a download name, even when signed', () => {
      const expiry = NOW_MS / 1000 + 60
      const message = `v/?expiry=${expiry}&method=get&scope=1&disposition=attachment&filename=a.ts`
      const link = `/v/a.ts?expiry=${expiry}&method=get&scope=1&disposition=attachment&filename=a.ts&signature=${forgeMessage(KEY, message)}`
      expect(signer.verify(link)).toMatchObject({ ok: false, error: { code: 'ERR_QUERY_MALFORMED' } })
    })

    it('refuses a download name on a folder link (a path ending in /), at sign and when read, even when signed', () => {
      expect(() => signer.sign('private/dir/', { filename: 'a.html' })).toThrow('are for one file, not a folder')
      expect(() => signer.sign('private/dir/', { disposition: 'attachment' })).toThrow('are for one file')
      const expiry = NOW_MS / 1000 + 60
      const message = `private/dir/?expiry=${expiry}&method=get&disposition=attachment`
      const link = `/private/dir/?expiry=${expiry}&method=get&disposition=attachment&signature=${forgeMessage(KEY, message)}`
      expect(signer.verify(link)).toMatchObject({ ok: false, error: { code: 'ERR_QUERY_MALFORMED' } })
    })

    it('writes disposition before the name, attachment by default', () => {
      expect(signer.sign('a.png', { filename: 'b.png' })).toContain('&disposition=attachment&filename=b.png&')
      expect(signer.sign('a.png', { filename: 'b.png', disposition: 'inline' })).toContain('&disposition=inline&')
      expect(signer.sign('a.png', { disposition: 'inline' })).toMatch(/&disposition=inline&signature=/)
    })
  })

  describe('stableFor', () => {
    it.each(fixture.stable.map((s) => [s.now, s.ttl, s.stableFor, s]))(
      'made at %i with ttl %i and stableFor %i',
      (_n, _t, _w, s) => {
        const signer = createSigner({ key: KEY, now: () => s.now * 1000 + 999 })
        expect(signer.sign('a.png', { ttl: s.ttl, stableFor: s.stableFor })).toContain(`?expiry=${s.expiry}&`)
      },
    )

    it('makes identical links all through one window, and new ones after it', () => {
      let ms = NOW_MS
      const signer = createSigner({ key: KEY, now: () => ms, stableFor: '10m' })
      const first = signer.sign('a.png')
      const links = new Set<string>()
      for (; ms < NOW_MS + 600_000; ms += 7_000) links.add(signer.sign('a.png'))
      expect([...links]).toEqual([first])
      ms = NOW_MS + 600_000
      expect(signer.sign('a.png')).not.toBe(first)
    })

    it('keeps the lifetime above ttl and at most ttl plus the window', () => {
      for (let ms = NOW_MS; ms < NOW_MS + 1_200_000; ms += 13_000) {
        const signer = createSigner({ key: KEY, now: () => ms })
        const expiry = Number(/expiry=(\d+)/.exec(signer.sign('a.png', { ttl: 3600, stableFor: 600 }))?.[1])
        const lifetime = expiry - Math.floor(ms / 1000)
        expect(lifetime).toBeGreaterThan(3600)
        expect(lifetime).toBeLessThanOrEqual(4200)
        expect(expiry % 600).toBe(0)
      }
    })

    it('adds no field: a stable link is plain v1', () => {
      expect(createSigner({ key: KEY, now }).sign('a.png', { stableFor: '5m' })).toMatch(
        /^\/a\.png\?expiry=\d+&method=get&signature=[\w-]{43}$/,
      )
    })

    it('refuses a null window, as every other option', () => {
      const signer = createSigner({ key: KEY, now, stableFor: '10m' })
      expect(() => signer.sign('a.png', { stableFor: null as unknown as 0 })).toThrow('"stableFor" must not be null')
    })

    it('is turned off for one link with 0', () => {
      const signer = createSigner({ key: KEY, now: () => NOW_MS + 1000, stableFor: '10m' })
      expect(signer.sign('a.png', { stableFor: 0 })).toContain(`expiry=${NOW_MS / 1000 + 1 + 3600}&`)
    })
  })
})

describe('the readers of the numeric fields and the nonce', () => {
  // Each field's one spelling, as a regular expression: what its reader must take, and nothing else.
  const spelling: Record<string, RegExp> = {
    scope: /^[1-9][0-9]?$/,
    notBefore: /^[1-9][0-9]{0,10}$/,
    issued: /^[1-9][0-9]{0,10}$/,
    uses: /^[1-9][0-9]{0,5}$/,
    nonce: /^[A-Za-z0-9_-]{16}$/,
  }
  it.each(Object.keys(spelling))('%s reads exactly its one spelling', (property) => {
    const read = EXTENSIONS.find(([p]) => p === property)![2]
    const text = fc.oneof(
      fc.stringMatching(spelling[property]),
      fc.string({ unit: fc.constantFrom(...'0123456789aZ_-+ .é'.split('')), maxLength: 18 }),
    )
    fc.assert(
      fc.property(text, (t) => {
        const good = spelling[property].test(t)
        expect(read(t)).toBe(good ? (property === 'nonce' ? t : Number(t)) : undefined)
      }),
      { numRuns: 3000 },
    )
  })
})
