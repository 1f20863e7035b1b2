import fs from 'node:fs'
import { createSigner } from 'express-signed-url'
import { attackCorpus, headersOf, outcomeOn, type AttackContext } from '../support/attack-corpus'
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
  type TestServer,
} from '../support/helpers'

const NOW_S = NOW_MS / 1000

it('the corpus holds at least 150 distinct cases', () => {
  expect(attackCorpus.length).toBeGreaterThanOrEqual(150)
  expect(new Set(attackCorpus.map((c) => `${c.category}: ${c.name}`)).size).toBe(attackCorpus.length)
})

describe.each(guards)('the attack corpus against $name', (guardUnderTest) => {
  describe.each(frameworks)('on $name', (fw) => {
    describe.each(mounts)('with the guard $name', (mount) => {
      const signer = createSigner({ key: KEY, now })
      const ctx: AttackContext = {
        base: mount.url('').slice(0, -1),
        expiry: NOW_S + 3600,
        past: NOW_S - 1,
        key: KEY,
        otherKey: OTHER_KEY,
      }
      let server: TestServer
      beforeAll(async () => {
        server = await listen(
          buildApp(fw, mount, (root) => guardUnderTest.make(root, { signer, onReject: recordCode })),
        )
      })
      afterAll(() => server.close())
      afterEach(() => jest.restoreAllMocks())

      const cases = attackCorpus.filter(
        (c) => (!c.rootOnly || mount === mounts[0]) && !(c.notOnConnect && fw.name === 'Connect'),
      )
      it.each(cases.map((c) => [`${c.category}: ${c.name}`, c] as const))('%s', async (_name, attack) => {
        const stat = jest.spyOn(fs, 'stat')
        const res = await server.send(attack.target(ctx), { method: attack.method, headers: headersOf(attack, ctx) })
        const outcome = outcomeOn(attack, fw.name)
        if (outcome.status === 200) {
          expect(res.status).toBe(200)
          expect(res.body).toEqual(attack.method === 'HEAD' ? Buffer.alloc(0) : fixture(outcome.file))
          expect(res.headers['cache-control']).toBe('private, max-age=3600')
        } else if (outcome.status === 403) {
          expect({ status: res.status, code: res.headers['x-test-refusal'] }).toEqual({
            status: 403,
            code: outcome.code,
          })
          expect(res.headers['cache-control']).toBe('no-store')
          expect(res.body.toString()).toBe('Forbidden\n')
          expect(stat).not.toHaveBeenCalled()
        } else if (outcome.status === 400) {
          expect(res.status).toBe(400)
          expect(stat).not.toHaveBeenCalled()
        } else {
          expect(res.status).toBe(404)
          expect(res.headers['x-test-refusal']).toBeUndefined()
          // The app's own 404, or Connect's final handler for a target it routes to no middleware.
          expect(res.body.toString()).toMatch(/^fell through$|<pre>Cannot GET /)
        }
      })
    })
  })
})
