import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { createSigner } from 'express-signed-url'
import { starting } from '../support/budget'
import { KEY } from '../support/helpers'

const ROOT = path.join(path.join(__dirname, '..'), '..')

describe('examples/edge-handler.mjs', () => {
  // Run in a child process as the ES module it is, with the package imported by its name.
  const script = `
    import { createHandler } from './examples/edge-handler.mjs'
    const handle = createHandler({ key: process.env.KEY, now: () => 1767225600000, canRead: (_req, p) => !p.startsWith('private/others/') })
    const results = []
    for (const target of ['/api/signed-link?path=private/image.png', '/api/signed-link?path=../secret', '/api/signed-link?path=private/others/x.png', '/api/signed-link', '/nope', '/api/signed-link?path=/private/others/x.png']) {
      const res = await handle(new Request('https://app.example' + target))
      results.push({ status: res.status, body: res.status === 404 ? await res.text() : await res.json() })
    }
    console.log(JSON.stringify(results))`

  starting(1).it('signs links that the Node guard accepts, and refuses bad requests', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, KEY },
    })
    const [ok, traversal, forbidden, missing, notFound, slashed] = JSON.parse(stdout)
    const now = () => 1767225600000
    expect(ok).toEqual({
      status: 200,
      body: { link: createSigner({ key: KEY, now, ttl: '10m' }).sign('private/image.png') },
    })
    expect(createSigner({ key: KEY, now }).verify(ok.body.link)).toMatchObject({ ok: true, secondsLeft: 600 })
    expect(traversal.status).toBe(400)
    expect(traversal.body.error).toMatch(/not canonical/)
    expect(forbidden).toEqual({ status: 403, body: { error: 'not yours' } })
    expect(slashed).toEqual({ status: 403, body: { error: 'not yours' } }) // the same path with a leading slash
    expect(missing.status).toBe(400)
    expect(notFound).toEqual({ status: 404, body: 'Not Found' })
  })
})

describe('examples/next-server-action.ts', () => {
  it('signs a link the Node signer accepts', async () => {
    process.env.SIGNING_KEY = KEY
    process.env.FILES_ORIGIN = 'https://files.example.com'
    try {
      // Required after the environment is set: the example reads it when it loads.
      type ServerAction = typeof import('../../examples/next-server-action')
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { signedFileUrl } = require('../../examples/next-server-action') as ServerAction
      const link = await signedFileUrl('private/report.pdf')
      expect(link).toMatch(/^https:\/\/files\.example\.com\/private\/report\.pdf\?expiry=\d+&method=get&signature=/)
      expect(createSigner({ key: KEY }).verify(link)).toMatchObject({ ok: true, path: 'private/report.pdf' })
    } finally {
      delete process.env.SIGNING_KEY
      delete process.env.FILES_ORIGIN
    }
  })
})
