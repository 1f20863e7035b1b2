import { createHmac, timingSafeEqual } from 'node:crypto'
import { createSigner } from 'express-signed-url'
import type { KeyMaterial } from '../lib/keys'
import { createSignerCore } from '../lib/signer-core'
import type { SignerOptions } from '../lib/signer-options'
import { runAsync, runSync, verification, type MacCheck } from '../lib/verification'
import { KEY, NOW_MS, now, OTHER_KEY } from './helpers'

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
