import { execFile } from 'node:child_process'
import crypto from 'node:crypto'
import path from 'node:path'
import { promisify } from 'node:util'
import vm from 'node:vm'
import fc from 'fast-check'
import { createSigner } from 'express-signed-url'
import { createWebSigner } from 'express-signed-url/web'
import { starting } from './support/budget'
import { KEY, NOW_MS, now, vectors } from './support/helpers'

const NOW_S = NOW_MS / 1000
const numRuns = Number(process.env.FC_NUM_RUNS ?? 100)

describe('createWebSigner()', () => {
  describe('with the published test vectors', () => {
    it.each(vectors.map((v) => [v.path, v.key.slice(0, 6), v]))(
      'signs and verifies %s (key %s) like the Node signer',
      async (_p, _k, v) => {
        const clock = () => (v.expiry - 60) * 1000
        const web = createWebSigner({ key: v.key, now: clock })
        const link = await web.sign(v.path, { expiresAt: v.expiry })
        expect(new URLSearchParams(link.split('?')[1]).get('signature')).toBe(v.signature)
        if (v.link !== undefined) expect(link).toBe(v.link)
        expect(link).toBe(createSigner({ key: v.key, now: clock }).sign(v.path, { expiresAt: v.expiry }))
        expect(await web.verify(v.link ?? link)).toEqual({
          ok: true,
          path: v.path,
          expiresAt: v.expiry,
          secondsLeft: 60,
        })
        expect(await createWebSigner({ key: v.key, now: () => v.expiry * 1000 }).verify(link)).toMatchObject({
          ok: false,
          error: { code: 'ERR_URL_EXPIRED' },
        })
      },
    )
  })

  it('makes the same links as createSigner and accepts them, for random paths, keys and clocks', async () => {
    const path = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 30 })
      .map(
        (s) =>
          s
            .toWellFormed()
            .replace(/[\u0000-\u001f\u007f-\u009f\\]/g, '_')
            .replace(/\/+/g, '/')
            .replace(/^\/|\/$/g, '') || 'x',
      )
      .filter((p) => p.split('/').every((s) => s !== '.' && s !== '..' && s !== ''))
    await fc.assert(
      fc.asyncProperty(
        path,
        fc.uint8Array({ minLength: 32, maxLength: 48 }),
        fc.integer({ min: 1.5e12, max: 4e12 }),
        async (p, bytes, clock) => {
          const options = { key: Buffer.from(bytes), now: () => clock }
          const link = createSigner(options).sign(p)
          expect(await createWebSigner(options).sign(p)).toBe(link)
          expect(await createWebSigner(options).verify(link)).toEqual(createSigner(options).verify(link))
        },
      ),
      { numRuns },
    )
  })

  it('refuses what the Node signer refuses, with the same code', async () => {
    const node = createSigner({ key: KEY, now })
    const web = createWebSigner({ key: KEY, now })
    const good = node.sign('private/image.png')
    const targets = [
      good.replace('image', 'imagf'),
      good.replace(/.$/, 'B'),
      `${good}&expiry=1`,
      '/private/../x?expiry=1&method=get&signature=x',
      '/private/image.png',
      good.replace(/expiry=\d+/, `expiry=${NOW_S - 10}`),
      createSigner({ key: KEY, now: () => NOW_MS - 7_200_000 }).sign('a'),
      'not a url',
    ]
    for (const target of targets) {
      const [a, b] = [node.verify(target), await web.verify(target)]
      expect({ ok: b.ok, code: b.ok ? undefined : b.error.code }).toEqual({
        ok: a.ok,
        code: a.ok ? undefined : a.error.code,
      })
      expect(b.ok).toBe(false)
    }
    expect(await web.verify(good, { method: 'POST' })).toMatchObject({
      ok: false,
      error: { code: 'ERR_METHOD_NOT_ALLOWED' },
    })
  })

  it('signs with key ids and verifies any key of the ring', async () => {
    const keys = [
      { id: 'new', secret: `${KEY}-new` },
      { id: 'old', secret: `${KEY}-old` },
    ]
    const web = createWebSigner({ keys, now })
    const link = await web.sign('a.png')
    expect(link).toContain('&kid=new&')
    expect(link).toBe(createSigner({ keys, now }).sign('a.png'))
    expect((await web.verify(createSigner({ keys: [keys[1]], now }).sign('a.png'))).ok).toBe(true)
    expect(await web.verify(link.replace('kid=new', 'kid=old'))).toMatchObject({
      ok: false,
      error: { code: 'ERR_SIGNATURE_INVALID' },
    })
  })

  it('checks a kid link with one subtle.verify whatever the ring, and a lying kid fails', async () => {
    const keys = Array.from({ length: 10 }, (_, i) => ({ id: `k${i}`, secret: `${KEY}-${i}` }))
    const web = createWebSigner({ keys, now })
    const old = createSigner({ keys: [keys[9]], now }).sign('a.png')
    const lying = createSigner({ keys: [{ id: 'k0', secret: keys[9].secret }], now }).sign('a.png')
    const spy = jest.spyOn(globalThis.crypto.subtle, 'verify')
    expect((await web.verify(old)).ok).toBe(true)
    expect(spy).toHaveBeenCalledTimes(1)
    spy.mockClear()
    expect(await web.verify(lying)).toMatchObject({ ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } })
    expect(spy).toHaveBeenCalledTimes(1)
    spy.mockRestore()
  })

  it('takes key bytes made in another realm (a vm context, an edge host)', async () => {
    const foreign = vm.runInNewContext('new Uint8Array(40).fill(7)') as Uint8Array
    expect(foreign instanceof Uint8Array).toBe(false)
    const link = await createWebSigner({ key: foreign, now }).sign('a.png')
    expect(link).toBe(createSigner({ key: Buffer.alloc(40, 7), now }).sign('a.png'))
    expect(createSigner({ key: foreign, now }).sign('a.png')).toBe(link)
  })

  it('signs the same folder grants as the Node signer and accepts them from cookies', async () => {
    const web = createWebSigner({ key: KEY, now })
    const node = createSigner({ key: KEY, now })
    const grant = await web.grant('private/videos/42/', { ttl: 600 })
    expect(grant).toEqual(node.grant('private/videos/42/', { ttl: 600 }))
    expect(await web.verify('/private/videos/42/seg-0.ts', { grants: [grant.value] })).toEqual(
      node.verify('/private/videos/42/seg-0.ts', { grants: [grant.value] }),
    )
    expect(await web.verify('/private/videos/42/seg-0.ts', { grants: [grant.value] })).toMatchObject({
      ok: true,
      folder: 'private/videos/42/',
    })
    expect(await web.verify('/private/videos/43/x.ts', { grants: [grant.value] })).toMatchObject({
      ok: false,
      error: { code: 'ERR_SIGNATURE_MISSING' },
    })
    const forged = await createWebSigner({ key: `${KEY}-other`, now }).grant('private/videos/42/')
    expect(await web.verify('/private/videos/42/seg-0.ts', { grants: [forged.value] })).toMatchObject({
      ok: false,
      error: { code: 'ERR_SIGNATURE_INVALID' },
    })
  })

  it('validates options like createSigner, and throws synchronously from sign', () => {
    expect(() => createWebSigner({ key: 'short' })).toThrow(/createWebSigner: "key" must be at least 32 bytes, got 5/)
    expect(() => createWebSigner({ key: KEY, tll: 1 } as never)).toThrow(/unknown option "tll". Did you mean "ttl"\?/)
    expect(() => createWebSigner({ key: crypto.createSecretKey(Buffer.from(KEY)) })).toThrow(/KeyObject is Node-only/)
    expect(() => createWebSigner({ key: KEY, now }).sign('../x')).toThrow(/not canonical/)
  })

  starting(1).it('loads and works in a context with only Web APIs (no require, process or Buffer)', async () => {
    const root = path.join(__dirname, '..')
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--experimental-vm-modules',
      '--no-warnings',
      path.join(__dirname, 'fixtures', 'web-only-runtime.mjs'),
      path.join(root, 'dist', 'esm'),
      path.join(__dirname, 'fixtures', 'links-v1.json'),
    ])
    const { globals, modules, results } = JSON.parse(stdout)
    expect(globals).toBe('undefined,undefined,undefined,undefined')
    // Only the runtime-neutral layers (no http/, cli/ or the Redis store) load, and the fixture refuses any `node:`
    // module or package: what the web entry reaches runs anywhere.
    expect(modules).toContain('web.js')
    expect(modules).toContain('signer/web-signer.js')
    for (const module of modules)
      expect(module).toMatch(/^(?:web\.js|(?:util|crypto|link|signer|store)\/[a-z0-9-]+\.js)$/)
    expect(modules).not.toContain('store/redis-store.js')
    expect(modules).not.toContain('crypto/mac.js')
    expect(results).toHaveLength(vectors.length)
    results.forEach((r: { signature: string; ok: boolean }, i: number) => {
      expect(r.signature).toBe(vectors[i].signature)
      expect(r.ok).toBe(true)
    })
  })
})
