import type { IncomingMessage, ServerResponse } from 'node:http'
import express5 from 'express'
import { createSigner, grantsFromCookies, signUrls } from 'express-signed-url'
import { createWebSigner } from 'express-signed-url/web'
import {
  buildApp,
  fixture,
  frameworks,
  guards,
  KEY,
  listen,
  mounts,
  NOW_MS,
  now,
  OTHER_KEY,
  recordCode,
  type RawResponse,
  type TestServer,
} from '../support/helpers'

const NOW_S = NOW_MS / 1000

describe.each(guards)('folder grants through $name', (guardUnderTest) => {
  describe.each(frameworks)('on $name', (fw) => {
    describe.each(mounts)('mounted $name', (mount) => {
      const signer = createSigner({ key: KEY, now })
      const folder = (id: string) => mount.signed(`private/videos/${id}/`).slice(1)
      const grantRoute = (
        req: IncomingMessage,
        res: ServerResponse & { locals: { grantAccess: (f: string, o?: object) => unknown } },
        next: () => void,
      ) => {
        const match = /^\/watch\/(\w+)$/.exec(req.url ?? '')
        if (!match) return next()
        res.locals.grantAccess(folder(match[1] === 'quoted' ? "it's (1)" : match[1]), { ttl: 600 })
        res.end('granted')
      }
      let server: TestServer
      beforeAll(async () => {
        const locals = signUrls(signer)
        // Before the guard, which at the root sees every request.
        const before = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) =>
          locals(req, res, (err) => (err ? next(err) : grantRoute(req, res as never, next)))
        server = await listen(
          buildApp(fw, mount, (root) => guardUnderTest.make(root, { signer, onReject: recordCode }), before),
        )
      })
      afterAll(() => server.close())

      async function grantCookie(id: string): Promise<string> {
        const res = await server.send(`/watch/${id}`)
        const setCookie = res.headers['set-cookie']!
        expect(setCookie).toHaveLength(1)
        return setCookie[0]
      }
      // A cookie's Path stops before the first segment that a URL could spell two ways (`o'b`, `café`).
      const plainPath = (f: string) => {
        let path = '/'
        for (const segment of f.split('/').slice(0, -1)) {
          if (!/^[A-Za-z0-9._~-]+$/.test(segment)) break
          path += `${segment}/`
        }
        return path
      }
      const cookieHeader = (...setCookies: string[]) => setCookies.map((c) => c.split(';')[0]).join('; ')
      const expectRefused = (res: RawResponse, code: string) => {
        expect({ status: res.status, code: res.headers['x-test-refusal'] }).toEqual({ status: 403, code })
      }

      it('sets an HttpOnly, SameSite=Lax cookie scoped to the folder for the seconds it lives', async () => {
        const cookie = await grantCookie('42')
        expect(cookie).toMatch(
          new RegExp(
            `^signed-grant=[\\w-]+\\.${NOW_S + 600}\\.\\.[\\w-]{43}; Path=${plainPath(folder('42'))}; Max-Age=600; HttpOnly; SameSite=Lax$`,
          ),
        )
      })

      it('serves every file below the folder with the cookie, and refuses them without it', async () => {
        const cookie = cookieHeader(await grantCookie('42'))
        for (const file of ['index.m3u8', 'seg-0.ts', 'seg-1.ts', '720p/seg-0.ts']) {
          const url = mount.url(`private/videos/42/${file}`)
          const res = await server.send(url, { headers: { Cookie: cookie } })
          expect([file, res.status]).toEqual([file, 200])
          expect(res.body).toEqual(fixture(`private/videos/42/${file}`))
          expect(res.headers['cache-control']).toBe('private, max-age=600')
          expectRefused(await server.send(url), 'ERR_SIGNATURE_MISSING')
        }
      })

      it('does not open another folder, nor one whose name only starts the same', async () => {
        const cookie = cookieHeader(await grantCookie('4'))
        expect((await server.send(mount.url('private/videos/4/x.ts'), { headers: { Cookie: cookie } })).status).toBe(
          200,
        )
        for (const file of ['private/videos/42/seg-0.ts', 'private/videos/43/x.ts', 'private/image.png']) {
          expectRefused(await server.send(mount.url(file), { headers: { Cookie: cookie } }), 'ERR_SIGNATURE_MISSING')
        }
      })

      it("sets the Path to the nearest plainly spelled folder, so both spellings of a folder like it's (1) get the cookie", async () => {
        const res = await server.send(`/watch/quoted`)
        const cookie = res.headers['set-cookie']![0]
        expect(cookie).toContain(`; Path=${plainPath(folder(''))};`)
        const jar = cookie.split(';')[0]
        for (const spelling of ["it's%20(1)", 'it%27s%20%281%29']) {
          const url = `${mount.url('private/videos/')}${spelling}/a.ts`
          const served = await server.send(url, { headers: { Cookie: jar } })
          expect([spelling, served.status]).toEqual([spelling, 200])
          expect(served.body).toEqual(fixture("private/videos/it's (1)/a.ts"))
        }
      })

      it('skips junk grant cookies before counting, so they cannot push out a good one', async () => {
        const good = (await grantCookie('42')).split(';')[0]
        const junk = Array.from({ length: 12 }, (_, i) => `signed-grant=junk${i}`).join('; ')
        const res = await server.send(mount.url('private/videos/42/seg-0.ts'), {
          headers: { Cookie: `${junk}; ${good}` },
        })
        expect(res.status).toBe(200)
      })

      it('lets several grants for different folders coexist', async () => {
        const cookie = cookieHeader(await grantCookie('42'), await grantCookie('43'))
        expect(
          (await server.send(mount.url('private/videos/42/seg-0.ts'), { headers: { Cookie: cookie } })).status,
        ).toBe(200)
        expect((await server.send(mount.url('private/videos/43/x.ts'), { headers: { Cookie: cookie } })).status).toBe(
          200,
        )
      })

      it('refuses a forged, a re-aimed and an expired grant like a link', async () => {
        const value = (await grantCookie('42')).split(';')[0].split('=')[1]
        const [folderPart, expiry, kid, signature] = value.split('.')
        const url = mount.url('private/videos/42/seg-0.ts')
        const forged = createSigner({ key: OTHER_KEY, now }).grant(folder('42'), { ttl: 600 }).value
        expectRefused(
          await server.send(url, { headers: { Cookie: `signed-grant=${forged}` } }),
          'ERR_SIGNATURE_INVALID',
        )
        const later = `${folderPart}.${Number(expiry) + 3600}.${kid}.${signature}`
        expectRefused(await server.send(url, { headers: { Cookie: `signed-grant=${later}` } }), 'ERR_SIGNATURE_INVALID')
        const reaimed = `${Buffer.from(folder('43')).toString('base64url')}.${expiry}.${kid}.${signature}`
        expectRefused(
          await server.send(mount.url('private/videos/43/x.ts'), { headers: { Cookie: `signed-grant=${reaimed}` } }),
          'ERR_SIGNATURE_INVALID',
        )
        const old = createSigner({ key: KEY, now: () => NOW_MS - 3_600_000 }).grant(folder('42'), { ttl: 60 }).value
        expectRefused(await server.send(url, { headers: { Cookie: `signed-grant=${old}` } }), 'ERR_URL_EXPIRED')
        expectRefused(await server.send(url, { headers: { Cookie: 'signed-grant=garbage' } }), 'ERR_SIGNATURE_MISSING')
      })

      it('checks a signature in the URL before any cookie, so a bad link is not rescued by a grant', async () => {
        const cookie = cookieHeader(await grantCookie('42'))
        const bad = createSigner({ key: OTHER_KEY, now }).sign(mount.signed('private/videos/42/seg-0.ts'))
        expectRefused(await server.send(bad, { headers: { Cookie: cookie } }), 'ERR_SIGNATURE_INVALID')
      })

      it('serves a prefix-scoped link for any file below its folder', async () => {
        const query = signer.sign(folder('42'), { scope: 'prefix', ttl: 300 }).split('?')[1]
        for (const file of ['index.m3u8', 'seg-1.ts', '720p/seg-0.ts']) {
          const res = await server.send(`${mount.url(`private/videos/42/${file}`)}?${query}`)
          expect([file, res.status, res.headers['cache-control']]).toEqual([file, 200, 'private, max-age=300'])
        }
        expectRefused(await server.send(`${mount.url('private/videos/43/x.ts')}?${query}`), 'ERR_SIGNATURE_INVALID')
      })
    })
  })
})

describe('the grant cookie over HTTPS', () => {
  it('is Secure when Express trusts the proxy that says the request was HTTPS', async () => {
    const app = express5()
    app.set('trust proxy', true)
    app.use(signUrls({ key: KEY, now }))
    app.get('/watch', (_req, res) => {
      res.locals.grantAccess('private/videos/42/', { ttl: 60 })
      res.end()
    })
    const server = await listen(app)
    try {
      const https = await server.send('/watch', { headers: { 'X-Forwarded-Proto': 'https' } })
      expect(https.headers['set-cookie']![0]).toMatch(/; SameSite=Lax; Secure$/)
      const http = await server.send('/watch')
      expect(http.headers['set-cookie']![0]).not.toMatch(/Secure/)
    } finally {
      await server.close()
    }
  })
})

describe('grantsFromCookies(header, name?)', () => {
  it('returns every value of the grant cookie, unquoted, and nothing else', () => {
    expect(grantsFromCookies('a=1; signed-grant=x.1.-.s; b=2;signed-grant="y.2.-.t"')).toEqual(['x.1.-.s', 'y.2.-.t'])
    expect(grantsFromCookies('g=x.1.-.s; signed-grant-old=z', 'g')).toEqual(['x.1.-.s'])
  })

  it('returns undefined when the header is absent or holds no grant', () => {
    expect(grantsFromCookies(undefined)).toBeUndefined()
    expect(grantsFromCookies(null)).toBeUndefined()
    expect(grantsFromCookies('a=1; b=2')).toBeUndefined()
    expect(grantsFromCookies('signed-grant-old=1; xsigned-grant=2')).toBeUndefined()
  })

  it('throws a TypeError on a cookie name that is not a token or a header that is not a string', () => {
    expect(() => grantsFromCookies('a=1', 'a b')).toThrow(
      new TypeError('grantsFromCookies: the cookie name must be an HTTP token, got "a b"'),
    )
    expect(() => grantsFromCookies(42 as unknown as string)).toThrow(TypeError)
  })

  it('gives the web signer what it needs to verify a grant, as an edge runtime would', async () => {
    const web = createWebSigner({ key: KEY, now })
    const grant = await web.grant('private/videos/42/', { ttl: 600 })
    const cookie = `theme=dark; signed-grant=${grant.value}`
    await expect(
      web.verify('/private/videos/42/seg-1.ts', { grants: () => grantsFromCookies(cookie) }),
    ).resolves.toMatchObject({ ok: true, path: 'private/videos/42/seg-1.ts', folder: 'private/videos/42/' })
    await expect(
      web.verify('/private/videos/43/seg-1.ts', { grants: () => grantsFromCookies(cookie) }),
    ).resolves.toMatchObject({ ok: false, error: { code: 'ERR_SIGNATURE_MISSING' } })
  })
})

describe('the cap of 8 covering grants', () => {
  const signer = createSigner({ key: KEY, now })
  const good = signer.grant('private/videos/42/', { ttl: 600 }).value
  const [folder, expiry, kid, signature] = good.split('.')

  it('skips covering grants whose signature is not one canonical base64url MAC before counting', () => {
    // Same folder and expiry, signatures that could never verify: the wrong alphabet, or unused low bits set.
    const last = signature[42] === 'A' ? 'B' : 'A'
    const junk = [
      ...Array.from({ length: 5 }, () => `${folder}.${expiry}.${kid}.${'!'.repeat(43)}`),
      ...Array.from(
        { length: 5 },
        () => `${folder}.${expiry}.${kid}.${signature.slice(0, 42)}${last === 'A' ? 'B' : 'F'}`,
      ),
    ]
    expect(signer.verify('/private/videos/42/seg-0.ts', { grants: [...junk, good] })).toMatchObject({ ok: true })
  })

  it('counts covering grants that parse: a ninth good grant behind eight forged ones is not checked', () => {
    const forged = Array.from({ length: 8 }, (_, i) => `${folder}.${Number(expiry) + i + 1}.${kid}.${signature}`)
    expect(signer.verify('/private/videos/42/seg-0.ts', { grants: [...forged, good] })).toMatchObject({
      ok: false,
      error: { code: 'ERR_SIGNATURE_INVALID' },
    })
    expect(signer.verify('/private/videos/42/seg-0.ts', { grants: [...forged.slice(1), good] })).toMatchObject({
      ok: true,
    })
  })
})
