import { createHmac, timingSafeEqual } from 'node:crypto'
import { createSigner } from 'express-signed-url'
import type { KeyMaterial } from '../../lib/crypto/keys'
import { createSignerCore } from '../../lib/signer/signer-core'
import type { SignerOptions } from '../../lib/signer/signer-options'
import { runAsync, runSync, verification, verifyPlainSync, type MacCheck } from '../../lib/signer/verification'
import fc from 'fast-check'
import { isCanonicalSignature } from '../../lib/util/base64url'
import { attackCorpus, type AttackContext } from '../support/attack-corpus'
import { KEY, NOW_MS, now, OTHER_KEY, withWrongSignature } from '../support/helpers'

const THIRD_KEY = 'a-third-key-0123456789-0123456789-0123456789'
// Keys as their bytes, so a test can see which key each MAC check names.
const core = (options: SignerOptions) =>
  createSignerCore('test', { now, ...options }, (material: KeyMaterial) => Buffer.from(material.bytes!).toString())

/** Runs the steps with real HMACs, recording the key of every MAC check asked for. */
function run(options: SignerOptions, url: string, grants?: string[]) {
  const asked: string[] = []
  const matches = ({ key, message, signature }: MacCheck<string>) => {
    asked.push(key)
    return timingSafeEqual(createHmac('sha256', key).update(message).digest(), signature)
  }
  const result = runSync(verification(core(options), url, grants && { grants }), matches)
  return { result, asked }
}

describe('verification()', () => {
  const link = (key: string, sitePath = 'private/image.png', at = NOW_MS) =>
    createSigner({ key, now: () => at }).sign(sitePath)

  it('tries keys without ids in turn and stops at the first that matches', () => {
    const keys = [KEY, OTHER_KEY, THIRD_KEY]
    expect(run({ keys }, link(KEY)).asked).toEqual([KEY])
    expect(run({ keys }, link(OTHER_KEY))).toMatchObject({ asked: [KEY, OTHER_KEY], result: { ok: true } })
    expect(run({ keys: [KEY, OTHER_KEY] }, link(THIRD_KEY))).toMatchObject({
      asked: [KEY, OTHER_KEY],
      result: { ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } },
    })
  })

  it('asks for one MAC for a link that names its key, whatever the ring holds, and none for an unknown id', () => {
    const keys = [{ id: 'a', secret: KEY }, { id: 'b', secret: OTHER_KEY }, THIRD_KEY]
    const signed = createSigner({ keys: [{ id: 'b', secret: OTHER_KEY }], now }).sign('private/image.png')
    expect(run({ keys }, signed)).toMatchObject({ asked: [OTHER_KEY], result: { ok: true } })
    expect(run({ keys }, signed.replace('kid=b', 'kid=constructor'))).toMatchObject({
      asked: [],
      result: { ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } },
    })
  })

  it('checks the MAC before the expiry: an expired forgery is a bad signature, an expired link is expired', () => {
    const expired = link(KEY, 'private/image.png', NOW_MS - 7200_000)
    expect(run({ key: KEY }, expired).result).toMatchObject({ ok: false, error: { code: 'ERR_URL_EXPIRED' } })
    expect(run({ key: OTHER_KEY }, expired)).toMatchObject({
      asked: [OTHER_KEY],
      result: { ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } },
    })
  })

  it('asks for no MAC when the link does not parse', () => {
    expect(run({ key: KEY }, '/private/../image.png?expiry=1&method=get&signature=x')).toMatchObject({
      asked: [],
      result: { error: { code: 'ERR_PATH_NOT_CANONICAL' } },
    })
  })

  describe('with grants', () => {
    const grant = (key: string, folder: string, at = NOW_MS) => createSigner({ key, now: () => at }).grant(folder).value
    const url = '/private/videos/42/seg-0.ts'

    it('takes the first good grant that covers the path', () => {
      const { result, asked } = run({ key: KEY }, url, [
        grant(OTHER_KEY, 'private/videos/42/'),
        grant(KEY, 'private/videos/'),
        grant(KEY, 'private/'),
      ])
      expect(result).toMatchObject({ ok: true, path: 'private/videos/42/seg-0.ts', folder: 'private/videos/' })
      expect(asked).toHaveLength(2)
    })

    it("answers the last covering grant's refusal when none is good, and a missing signature when none covers", () => {
      expect(
        run({ key: KEY }, url, [grant(OTHER_KEY, 'private/'), grant(KEY, 'private/', NOW_MS - 7200_000)]).result,
      ).toMatchObject({ ok: false, error: { code: 'ERR_URL_EXPIRED' } })
      expect(run({ key: KEY }, url, [grant(KEY, 'private/videos/43/')])).toMatchObject({
        asked: [],
        result: { error: { code: 'ERR_SIGNATURE_MISSING' } },
      })
    })

    it('checks grants only when the URL carries no signature', () => {
      const forged = link(OTHER_KEY, url.slice(1))
      expect(run({ key: KEY }, forged, [grant(KEY, 'private/')])).toMatchObject({
        asked: [KEY],
        result: { ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } },
      })
    })

    it('reads no grant for half a link: signed fields without their signature are malformed', () => {
      const good = [grant(KEY, 'private/')]
      for (const query of ['expiry=9999999999&method=post&kid=evil&scope=99', 'method=get', 'kid=a', 'scope=x']) {
        expect(run({ key: KEY }, `${url}?${query}`, good)).toMatchObject({
          asked: [],
          result: { error: { code: 'ERR_QUERY_MALFORMED' } },
        })
      }
      expect(run({ key: KEY }, `${url}?v=3`, good).result).toMatchObject({ ok: true })
    })

    it('asks for at most 8 MACs, however many covering grants come', () => {
      const forged = Array.from({ length: 20 }, () => grant(OTHER_KEY, 'private/'))
      expect(run({ key: KEY }, url, [...forged, grant(KEY, 'private/')]).asked).toHaveLength(8)
    })
  })

  it('gives the same results run asynchronously, as the Web signer runs it', async () => {
    const options = { keys: [KEY, OTHER_KEY] }
    const urls = [
      link(OTHER_KEY),
      link(THIRD_KEY),
      link(KEY, 'private/image.png', NOW_MS - 7200_000),
      '/x?expiry=1&method=get',
    ]
    for (const url of urls) {
      const matches = async ({ key, message, signature }: MacCheck<string>) =>
        timingSafeEqual(createHmac('sha256', key).update(message).digest(), signature)
      expect(await runAsync(verification(core(options), url, undefined), matches)).toEqual(run(options, url).result)
    }
  })
})

describe('verifyPlainSync(), the fast path', () => {
  const keys = [{ id: 'k1', secret: KEY }, OTHER_KEY, KEY]
  const signerCore = core({ keys })
  // The fast path compares the signature's text with the digest's; the general steps its 32 bytes.
  // (undefined for a signature that is not in its one spelling, as macMatchesText answers).
  const macOf = (key: string, message: string, text: string, at: number) =>
    isCanonicalSignature(text.slice(at))
      ? createHmac('sha256', key).update(message).digest('base64url') === text.slice(at)
      : undefined
  const general = (url: string, method?: string) =>
    runSync(
      verification(signerCore, url, method === undefined ? undefined : { method }),
      ({ key, message, signature }) => timingSafeEqual(createHmac('sha256', key).update(message).digest(), signature),
    )
  // The fast path decides only what the general steps decide the same way, code and result included.
  const agrees = (url: string, method?: string) => {
    const fast = verifyPlainSync(signerCore, url, method === undefined ? undefined : { method }, macOf)
    if (fast !== undefined) expect(fast).toEqual(general(url, method))
    return fast !== undefined
  }
  const ctx: AttackContext = {
    base: '',
    expiry: NOW_MS / 1000 + 3600,
    past: NOW_MS / 1000 - 1,
    key: KEY,
    otherKey: OTHER_KEY,
  }

  it('takes the common shapes: plain and with a key id, good, forged and expired', () => {
    const plain = createSigner({ key: OTHER_KEY, now }).sign('private/a-b_c~d.e/f.png')
    const named = createSigner({ keys: [{ id: 'k1', secret: KEY }], now }).sign('a.png')
    const expired = createSigner({ key: OTHER_KEY, now: () => NOW_MS - 7200_000 }).sign('a.png')
    for (const url of [plain, named, expired, withWrongSignature(plain), named.replace('k1', 'k2')])
      expect(agrees(url)).toBe(true)
    expect(verifyPlainSync(signerCore, expired, undefined, macOf)).toMatchObject({ error: { code: 'ERR_URL_EXPIRED' } })
  })

  it('takes every shape a signer writes: encoded paths, extensions, scope, uploads', () => {
    const signer = createSigner({ key: OTHER_KEY, now })
    for (const url of [
      signer.sign('café/my photo.png'),
      signer.sign('a.png', { filename: 'Report 2026.pdf' }),
      signer.sign('a.png', { uses: 3 }),
      signer.sign('v/42/', { scope: 'prefix' }),
      signer.sign('a.png', { notBefore: NOW_MS / 1000 - 60 }),
      createSigner({ key: OTHER_KEY, now, stampIssued: true }).sign('a.png'),
    ]) {
      expect(agrees(url)).toBe(true)
      expect(agrees(withWrongSignature(url))).toBe(true)
    }
    const upload = signer.sign('in/a.png', { method: 'put', contentType: 'image/png', maxBytes: 1000 })
    expect(agrees(upload, 'PUT')).toBe(true)
    expect(agrees(upload)).toBe(false)
    expect(agrees(signer.sign('a.png'), 'PUT')).toBe(false)
  })

  it('leaves every other shape to the general steps', () => {
    const plain = createSigner({ key: OTHER_KEY, now }).sign('a.png')
    for (const url of [
      plain.replace('/a.png', '/caf%2Fe.png'),
      plain.replace('/a.png', '/a/./b'),
      plain.replace('/a.png', '/a//b'),
      plain.replace('/a.png', '/..'),
      `${plain}&x=1`,
      `${plain}#f`,
      plain.replace('?', '?x=1&'),
      plain.replace('&method=get', '&method=GET'),
      plain.replace('&method=get', '&method=get&uses=3'),
      plain.replace('expiry=', 'expiry=0'),
      plain.replace(/signature=.*/, `signature=${'A'.repeat(42)}B`),
      createSigner({ key: OTHER_KEY, now }).sign('v/42/', { scope: 'prefix' }).replace('scope=2', 'scope=3'),
      `https://example.com${plain}`,
    ])
      expect(agrees(url)).toBe(false)
    expect(agrees(plain, 'POST')).toBe(false)
    expect(agrees(plain, 'HEAD')).toBe(true)
  })

  it('agrees with the general steps on every target of the attack corpus', () => {
    let taken = 0
    for (const attack of attackCorpus) if (agrees(attack.target(ctx), attack.method)) taken++
    expect(taken).toBeGreaterThan(20) // the corpus holds many plain links; the comparison must have run on them
  })

  it('agrees with the general steps on links near the common shape', () => {
    const piece = fc.constantFrom(
      'a',
      'b.png',
      '.',
      '..',
      '...',
      '',
      '%41',
      'é',
      '~',
      '-',
      '_',
      '?',
      '&',
      '=',
      '#',
      '+',
    )
    const path = fc.array(piece, { maxLength: 5 }).map((p) => p.join('/'))
    const field = fc.constantFrom(
      `expiry=${NOW_MS / 1000 + 60}`,
      `expiry=0${NOW_MS / 1000 + 60}`,
      `expiry=${NOW_MS / 1000 - 60}`,
      'expiry=',
      'method=get',
      'method=GET',
      'kid=k1',
      'kid=k2',
      'kid=',
      'scope=1',
      'x=1',
      'Expiry=1',
    )
    const good = `expiry=${NOW_MS / 1000 + 60}`
    const fields = fc.oneof(
      { weight: 3, arbitrary: fc.constant([good, 'method=get']) },
      { weight: 2, arbitrary: fc.constantFrom([good, 'method=get', 'kid=k1'], [good, 'method=get', 'kid=k2']) },
      { weight: 3, arbitrary: fc.array(field, { maxLength: 4 }) },
    )
    const url = fc
      .tuple(path, fields, fc.boolean(), fc.constantFrom(KEY, OTHER_KEY))
      .map(([p, fields, signed, key]) => {
        const query = fields.join('&')
        const message = `${p}?${query}`
        const signature = createHmac('sha256', key).update(message).digest('base64url')
        return `/${p}?${query}${query === '' ? '' : '&'}signature=${signed ? signature : signature.slice(1) + 'A'}`
      })
    let taken = 0
    fc.assert(
      fc.property(url, (u) => {
        if (agrees(u)) taken++
      }),
      { numRuns: 3000 },
    )
    expect(taken).toBeGreaterThan(100) // about 7% take the fast path (some 200 runs); the rest compare nothing
  })
})
