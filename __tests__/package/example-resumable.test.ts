// The example app's Uppy page and its tus uploads, as `npm start` runs it (a process of its own: @tus/server is an
// ES module that Node loads and jest's module runtime cannot): the page and Uppy's bundle are served, and a file
// sent over tus in chunks through a link from /upload-link lands whole in the uploads folder.
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import * as tus from 'tus-js-client'
import { budget } from '../support/budget'
import { EXAMPLES, exampleEnv, startScript } from '../support/script-process'

let child: ChildProcess
let base: string
beforeAll(async () => {
  const started = await startScript(path.join(EXAMPLES, 'app.js'), exampleEnv(), /localhost:(\d+)/)
  child = started.child
  base = `http://127.0.0.1:${started.match[1]}`
}, budget(1))
afterAll(() => {
  child?.kill()
})

describe("the example's resumable uploads", () => {
  it('serves the Uppy page and the bundle it imports', async () => {
    const page = await fetch(`${base}/upload/resumable`)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain("import { Uppy, Dashboard, Tus } from '/vendor/uppy/uppy.min.mjs'")
    const bundle = await fetch(`${base}/vendor/uppy/uppy.min.mjs`)
    expect([bundle.status, bundle.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8'])
    expect((await fetch(`${base}/vendor/uppy/uppy.min.css`)).status).toBe(200)
  })

  it('takes a file over tus in chunks through a link from /upload-link, and it lands whole', async () => {
    const data = Buffer.concat([readFileSync(path.join(EXAMPLES, 'private', 'image.png')), randomBytes(2_500_000)])
    const asked = await fetch(`${base}/upload-link`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'image/png', size: data.length }),
    })
    const { url } = (await asked.json()) as { url: string }
    const stored = path.join(EXAMPLES, /^\/(uploads\/[0-9a-f]{16}\.png)\?/.exec(url)![1])
    let id: string | undefined
    try {
      const error = await new Promise<Error | undefined>((resolve) => {
        const upload = new tus.Upload(data, {
          endpoint: base + url,
          chunkSize: 1024 * 1024,
          retryDelays: [],
          metadata: { filetype: 'image/png' },
          onError: (err) => {
            id = /upload=([\w-]{22})/.exec(upload.url ?? '')?.[1]
            resolve(err)
          },
          onSuccess: () => {
            id = /upload=([\w-]{22})/.exec(upload.url ?? '')?.[1]
            resolve(undefined)
          },
        })
        upload.start()
      })
      expect(error).toBeUndefined()
      expect(id).toMatch(/^[\w-]{22}$/)
      expect(readFileSync(stored).equals(data)).toBe(true)
    } finally {
      rmSync(stored, { force: true })
      // The finished upload's second name in the partial folder (swept once its link expires), and its info.
      for (const name of id === undefined ? [] : [id, `${id}.json`])
        rmSync(path.join(EXAMPLES, '.uploads.partial', name), { force: true })
    }
  })
})
