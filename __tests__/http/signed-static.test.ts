import * as mac from '../../lib/crypto/mac'
import fs from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createSigner } from 'express-signed-url'
import {
  buildApp,
  fixture,
  forge,
  frameworks,
  guards,
  KEY,
  MIRROR,
  mounts,
  NOW_MS,
  now,
  OTHER_KEY,
  recordCode,
  send,
  type RawResponse,
} from '../support/helpers'

const NOW_S = NOW_MS / 1000
const EXPIRY = NOW_S + 3600

function expectRefused(res: RawResponse, code: string, status = 403): void {
  expect({ status: res.status, code: res.headers['x-test-refusal'] }).toEqual({ status, code })
  expect(res.headers['cache-control']).toBe('no-store')
  expect(res.body.toString()).not.toMatch(/PNG|PDF|private file|secret/)
}

describe.each(guards)('$name', (guardUnderTest) => {
  describe.each(frameworks)('on $name', (fw) => {
    describe.each(mounts)('mounted $name', (mount) => {
      const signer = createSigner({ key: KEY, now })
      const make =
        (extra: { redirect?: boolean } = {}) =>
        (root: string) =>
          guardUnderTest.make(root, { signer, onReject: recordCode }, extra.redirect)
      const app = buildApp(fw, mount, make())
      const url = mount.url
      const link = (sitePath: string) => signer.sign(mount.signed(sitePath))
      const query = (sitePath: string) => link(sitePath).split('?')[1]

      let stat: jest.SpiedFunction<typeof fs.stat>
      // Every MAC check: the fast path compares the signature's text, the general steps its bytes.
      let hmac: jest.SpiedFunction<typeof mac.macMatches>
      let hmacText: jest.SpiedFunction<typeof mac.macMatchesText>
      beforeEach(() => {
        stat = jest.spyOn(fs, 'stat')
        hmac = jest.spyOn(mac, 'macMatches')
        hmacText = jest.spyOn(mac, 'macMatchesText')
      })
      afterEach(() => jest.restoreAllMocks())

      it('serves a valid link with the file and a private cache lifetime of the seconds left', async () => {
        const res = await send(app, link('private/image.png'))
        expect(res.status).toBe(200)
        expect(res.body).toEqual(fixture('private/image.png'))
        expect(res.headers['cache-control']).toBe('private, max-age=3600')
        expect(stat).toHaveBeenCalled()
      })

      describe('rule 1: the original URL is verified, never the mount-relative one', () => {
        it('refuses a signature made for the path below the mount', async () => {
          const relative = signer.sign('image.png') // what req.url shows under a prefix mount
          expectRefused(
            await send(app, `${url('private/image.png')}?${relative.split('?')[1]}`),
            'ERR_SIGNATURE_INVALID',
          )
        })

        it('refuses a signature for one mount on another mount of the same folder', async () => {
          const mirrored = signer.sign(`${MIRROR}/image.png`)
          expect((await send(app, mirrored)).status).toBe(200)
          expectRefused(await send(app, `${MIRROR}/image.png?${query('private/image.png')}`), 'ERR_SIGNATURE_INVALID')
          expectRefused(
            await send(app, `${url('private/image.png')}?${mirrored.split('?')[1]}`),
            'ERR_SIGNATURE_INVALID',
          )
        })
      })

      describe('absolute-form request targets', () => {
        it('verifies the path of GET http://host/path the same way, whatever the host', async () => {
          const signed = link('private/image.png')
          const res = await send(app, `http://evil.example${signed}`)
          expect(res.status).toBe(200)
          expect(res.body).toEqual(fixture('private/image.png'))
          expectRefused(
            await send(app, `http://evil.example${signed.replace('image.png', 'sensitive.txt')}`),
            'ERR_SIGNATURE_INVALID',
          )
        })
      })

      describe('rule 2: the served path must be the signed path', () => {
        it('refuses when something rewrote req.url to another file after the link was checked in the URL', async () => {
          const rewrite = (req: IncomingMessage, _res: ServerResponse, next: () => void) => {
            req.url = req.url!.replace('image.png', 'sensitive.txt')
            next()
          }
          const rewritten = buildApp(fw, mount, make(), rewrite)
          expectRefused(await send(rewritten, link('private/image.png')), 'ERR_PATH_MISMATCH')
          expect(stat).not.toHaveBeenCalled()
        })

        it('refuses a link for the mounted folder itself, without its slash, where the mount would serve its root', async () => {
          const res = await send(app, link('private'))
          // At a mount of the whole site, the guard sees /…/private, a folder: not served.
          if (mount.wholeSite) expect(res.status).toBe(404)
          else expectRefused(res, 'ERR_PATH_MISMATCH') // the mount leaves '/': the folder's index, which was not signed
        })

        it('never serves /private.png through the /private mount', async () => {
          const res = await send(app, link('private.png'))
          expect(res.status).not.toBe(200)
          // Connect matches `/private.png` under the mount `/private` and leaves `/.png` to serve.
          if (fw.name === 'Connect' && url('private.png') === '/private.png' && mount.name.startsWith('under')) {
            expectRefused(res, 'ERR_PATH_MISMATCH')
          }
        })
      })

      describe('rule 3: the path is decoded once, and nothing else is normalised', () => {
        it('serves the same file for lower- and upper-case escapes', async () => {
          const signed = link('private/café.png')
          expect(signed).toContain('caf%C3%A9.png')
          for (const target of [signed, signed.replace('%C3%A9', '%c3%a9')]) {
            const res = await send(app, target)
            expect(res.status).toBe(200)
            expect(res.body).toEqual(fixture('private/café.png'))
          }
        })

        it('serves a literal % and refuses a second decoding', async () => {
          const signed = link('private/100%.txt')
          expect((await send(app, signed)).body).toEqual(fixture('private/100%.txt'))
          expectRefused(await send(app, signed.replace('100%25', '100%2525')), 'ERR_SIGNATURE_INVALID')
        })

        it.each([
          ['a + for a space', 'private/a b.png', (t: string) => t.replace('a%20b', 'a+b')],
          ['a space for a +', 'private/a+b.png', (t: string) => t.replace('a%2Bb', 'a%20b')],
          ['NFD for NFC', 'private/café.png', (t: string) => t.replace('caf%C3%A9.png', 'cafe%CC%81.png')],
          ['another case', 'private/image.png', (t: string) => t.replace('image.png', 'IMAGE.png')],
        ])('refuses %s', async (_what, sitePath, edit) => {
          const signed = link(sitePath)
          expect((await send(app, signed)).status).toBe(200)
          const edited = edit(signed)
          expect(edited).not.toBe(signed)
          expectRefused(await send(app, edited), 'ERR_SIGNATURE_INVALID')
        })
      })

      describe('rule 4: non-canonical paths are refused before any HMAC work', () => {
        it.each([
          ['a .. segment', '../private/image.png'],
          ['an encoded .. segment', '%2e%2e/private/image.png'],
          ['a mixed-case encoded .. segment', '%2E%2e/image.png'],
          ['a . segment', './image.png'],
          ['an encoded . segment', '%2E/image.png'],
          ['an empty segment', 'docs//report-2026.pdf'],
          ['a trailing empty segment pair', 'docs//'],
          ['an encoded slash', 'docs%2Freport-2026.pdf'],
          ['a lower-case encoded slash', 'docs%2freport-2026.pdf'],
          [
            'a backslash (refused as a target: url.parse reads it as /)',
            'docs\\report-2026.pdf',
            'ERR_TARGET_NOT_CANONICAL',
          ],
          ['an encoded backslash', 'docs%5Creport-2026.pdf'],
          ['an encoded backslash traversal', '..%5C..%5Cetc%5Cpasswd'],
          ['an encoded NUL', 'image.png%00.txt'],
          ['an encoded newline', 'image%0A.png'],
          ['an encoded DEL', 'image%7F.png'],
          ['a malformed escape', 'image%zz.png'],
          ['a truncated escape', 'image.png%'],
          ['an overlong UTF-8 dot', '%C0%AE%C0%AE/image.png'],
          ['a byte that is not UTF-8', 'caf%E9.png'],
        ])('refuses %s even with a MAC over the naive path', async (_what, tail, code = 'ERR_PATH_NOT_CANONICAL') => {
          const target = url(`private/${tail}`)
          let naive = target.slice(1)
          try {
            naive = decodeURIComponent(naive)
          } catch {
            /* keep raw */
          }
          const forged = `${target}?expiry=${EXPIRY}&method=get&signature=${forge(KEY, naive, EXPIRY)}`
          hmac.mockClear()
          hmacText.mockClear()
          expectRefused(await send(app, forged), code)
          expect(hmac).not.toHaveBeenCalled()
          expect(hmacText).not.toHaveBeenCalled()
          expect(stat).not.toHaveBeenCalled()
        })
      })

      describe('rule 5: the query is parsed strictly', () => {
        const sig = () => query('private/image.png').split('signature=')[1]
        it.each([
          ['no query', () => '', 'ERR_SIGNATURE_MISSING'],
          ['no signature (half a link)', () => `expiry=${EXPIRY}&method=get`, 'ERR_QUERY_MALFORMED'],
          ['an empty signature', () => `expiry=${EXPIRY}&method=get&signature=`, 'ERR_QUERY_MALFORMED'],
          ['no expiry', () => `method=get&signature=${sig()}`, 'ERR_QUERY_MALFORMED'],
          ['no method', () => `expiry=${EXPIRY}&signature=${sig()}`, 'ERR_QUERY_MALFORMED'],
          [
            'a duplicated expiry',
            () => `expiry=${EXPIRY}&expiry=${EXPIRY}&method=get&signature=${sig()}`,
            'ERR_QUERY_MALFORMED',
          ],
          [
            'a duplicated signature',
            () => `expiry=${EXPIRY}&method=get&signature=${sig()}&signature=${sig()}`,
            'ERR_QUERY_MALFORMED',
          ],
          [
            'a duplicated method',
            () => `expiry=${EXPIRY}&method=get&method=get&signature=${sig()}`,
            'ERR_QUERY_MALFORMED',
          ],
          ['a leading zero in expiry', () => `expiry=0${EXPIRY}&method=get&signature=${sig()}`, 'ERR_QUERY_MALFORMED'],
          ['a negative expiry', () => `expiry=-${EXPIRY}&method=get&signature=${sig()}`, 'ERR_QUERY_MALFORMED'],
          [
            'an expiry in milliseconds',
            () => `expiry=${EXPIRY}000&method=get&signature=${sig()}`,
            'ERR_QUERY_MALFORMED',
          ],
          ['an expiry in exponent form', () => `expiry=1.7e9&method=get&signature=${sig()}`, 'ERR_QUERY_MALFORMED'],
          ['a method in capitals', () => `expiry=${EXPIRY}&method=GET&signature=${sig()}`, 'ERR_QUERY_MALFORMED'],
          ['method=post', () => `expiry=${EXPIRY}&method=post&signature=${sig()}`, 'ERR_QUERY_MALFORMED'],
          [
            'a truncated signature',
            () => `expiry=${EXPIRY}&method=get&signature=${sig().slice(0, 42)}`,
            'ERR_QUERY_MALFORMED',
          ],
          ['a padded signature', () => `expiry=${EXPIRY}&method=get&signature=${sig()}=`, 'ERR_QUERY_MALFORMED'],
          [
            'a standard-base64 signature',
            () =>
              `expiry=${EXPIRY}&method=get&signature=${sig().replace(/-/g, '+').replace(/_/g, '/')}${/[-_]/.test(sig()) ? '' : '+'}`,
            'ERR_QUERY_MALFORMED',
          ],
          ['; separators', () => `expiry=${EXPIRY};method=get;signature=${sig()}`, 'ERR_QUERY_MALFORMED'],
          [
            'the signature in the fragment (no request target holds one)',
            () => `expiry=${EXPIRY}&method=get#signature=${sig()}`,
            'ERR_TARGET_NOT_CANONICAL',
          ],
          ['a 10 kB query', () => `pad=${'x'.repeat(10_000)}&expiry=${EXPIRY}&method=get`, 'ERR_QUERY_MALFORMED'],
        ])('refuses %s', async (_what, makeQuery, code) => {
          const q = makeQuery()
          expectRefused(await send(app, `${url('private/image.png')}${q ? `?${q}` : ''}`), code)
          expect(stat).not.toHaveBeenCalled()
        })

        it('serves reordered parameters and ignores an added cache-buster', async () => {
          const q = new URLSearchParams(query('private/image.png'))
          const reordered = `signature=${q.get('signature')}&v=2&method=get&expiry=${q.get('expiry')}&_=123`
          const res = await send(app, `${url('private/image.png')}?${reordered}`)
          expect(res.status).toBe(200)
          expect(res.body).toEqual(fixture('private/image.png'))
        })
      })

      describe('rule 6 and 7: MAC, then expiry', () => {
        it('refuses a link signed with another key', async () => {
          const other = createSigner({ key: OTHER_KEY, now }).sign(mount.signed('private/image.png'))
          expectRefused(await send(app, other), 'ERR_SIGNATURE_INVALID')
        })

        it('refuses a link whose expiry was moved', async () => {
          const signed = link('private/image.png')
          expectRefused(
            await send(app, signed.replace(`expiry=${EXPIRY}`, `expiry=${EXPIRY + 3600}`)),
            'ERR_SIGNATURE_INVALID',
          )
        })

        it('refuses an expired link, without touching the file system', async () => {
          const earlier = createSigner({ key: KEY, now: () => NOW_MS - 7200_000 }).sign(
            mount.signed('private/image.png'),
          )
          expectRefused(await send(app, earlier), 'ERR_URL_EXPIRED')
          expect(stat).not.toHaveBeenCalled()
        })
      })

      describe('rule 8: only GET and HEAD', () => {
        it.each(['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'])(
          'refuses %s with a valid link before the file system',
          async (method) => {
            expectRefused(await send(app, link('private/image.png'), { method }), 'ERR_METHOD_NOT_ALLOWED')
            expect(stat).not.toHaveBeenCalled()
          },
        )

        it('serves HEAD with the headers and no body', async () => {
          const res = await send(app, link('private/image.png'), { method: 'HEAD' })
          expect(res.status).toBe(200)
          expect(res.headers['content-length']).toBe(String(fixture('private/image.png').length))
          expect(res.body.length).toBe(0)
        })
      })

      describe('rule 9: a refusal says nothing about the file', () => {
        it('refuses a forged link to a present and to an absent file identically, without the file system', async () => {
          const forged = (p: string) =>
            `${url(p)}?expiry=${EXPIRY}&method=get&signature=${forge(OTHER_KEY, mount.signed(p).slice(1), EXPIRY)}`
          const present = await send(app, forged('private/image.png'))
          const absent = await send(app, forged('private/absent.png'))
          const comparable = (r: RawResponse) => ({
            status: r.status,
            body: r.body.toString(),
            headers: { ...r.headers, date: undefined },
          })
          expect(comparable(present)).toEqual(comparable(absent))
          expectRefused(present, 'ERR_SIGNATURE_INVALID')
          expect(stat).not.toHaveBeenCalled()
        })
      })

      describe('rule 10: directories', () => {
        it('serves the index for a link signed with a trailing slash', async () => {
          const res = await send(app, link('private/dir/'))
          expect(res.status).toBe(200)
          expect(res.body).toEqual(fixture('private/dir/index.html'))
        })

        it('does not redirect a folder link without its slash (redirect is off)', async () => {
          const res = await send(app, link('private/dir'))
          expect(res.status).toBe(404)
          expect(res.headers.location).toBeUndefined()
        })

        it('refuses a file link used on its folder, and the folder link used on a file', async () => {
          expectRefused(
            await send(app, `${url('private/dir/')}?${query('private/dir/index.html')}`),
            'ERR_SIGNATURE_INVALID',
          )
          expectRefused(
            await send(app, `${url('private/dir/index.html')}?${query('private/dir/')}`),
            'ERR_SIGNATURE_INVALID',
          )
        })

        it('with redirect: true, the redirect changes the path so its target is refused', async () => {
          const redirecting = buildApp(fw, mount, make({ redirect: true }))
          const res = await send(redirecting, link('private/dir'))
          expect(res.status).toBe(301)
          expect(res.headers.location).toMatch(/\/dir\/\?expiry=/)
          expectRefused(await send(redirecting, res.headers.location!), 'ERR_SIGNATURE_INVALID')
        })
      })

      describe('rule 11: dotfiles stay hidden', () => {
        it.each(['private/.env', 'private/.hidden/secret.txt'])(
          'does not serve %s even with a valid link',
          async (p) => {
            const res = await send(app, link(p))
            expect(res.status).toBe(404)
            expect(res.body.toString()).not.toMatch(/SECRET|secret/)
          },
        )
      })

      describe('rule 12: errors go to next(err)', () => {
        it('passes a throwing signer to the error handler as a 500', async () => {
          const broken = {
            sign: signer.sign,
            verify: () => {
              throw Object.assign(new Error('key store down'), { code: 'KEY_STORE' })
            },
          }
          const res = await send(
            buildApp(fw, mount, (root) => guardUnderTest.make(root, { signer: broken })),
            link('private/image.png'),
          )
          expect(res.status).toBe(500)
          expect(res.headers['x-error-code']).toBe('KEY_STORE')
        })

        it('passes a throwing onReject hook to the error handler as a 500', async () => {
          const hook = () => {
            throw Object.assign(new Error('template missing'), { code: 'HOOK' })
          }
          const res = await send(
            buildApp(fw, mount, (root) => guardUnderTest.make(root, { signer, onReject: hook })),
            url('private/image.png'),
          )
          expect(res.status).toBe(500)
          expect(res.headers['x-error-code']).toBe('HOOK')
        })
      })
    })
  })
})
