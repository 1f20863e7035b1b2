// The cross-origin example (examples/cross-origin.js) as a process: the pages on one origin hand out upload links
// to the files host on another, which answers the pages' preflight only, and takes a tus upload whole.
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import * as tus from 'tus-js-client'
import { budget } from '../support/budget'
import { EXAMPLES, startScript } from '../support/script-process'

let child: ChildProcess
let pages: string
let files: string
beforeAll(async () => {
  const env = { ...process.env, PORT: '0', FILES_PORT: '0', SIGNING_KEY: randomBytes(32).toString('base64url') }
  const started = await startScript(path.join(EXAMPLES, 'cross-origin.js'), env, /pages on (\S+), files on (\S+)/)
  child = started.child
  ;[, pages, files] = started.match
}, budget(1))
afterAll(() => {
  child?.kill()
})

const linkFor = async (size: number): Promise<string> => {
  const res = await fetch(`${pages}/upload-link`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'application/octet-stream', size }),
  })
  return ((await res.json()) as { url: string }).url
}

describe('the cross-origin example', () => {
  it('serves the Uppy page from one origin, and signs upload links for the other', async () => {
    expect(pages).not.toBe(files)
    expect((await fetch(`${pages}/upload/resumable`)).status).toBe(200)
    expect(await linkFor(10)).toMatch(new RegExp(`^${files}/uploads/[0-9a-f]{16}\\.bin\\?expiry=\\d+&method=put&`))
  })

  it("answers the pages' preflight on the files host, and no other origin's", async () => {
    const url = await linkFor(10)
    const preflight = (origin: string) =>
      fetch(url, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'tus-resumable,upload-length',
        },
      })
    const ours = await preflight(pages)
    expect([ours.status, ours.headers.get('access-control-allow-origin')]).toEqual([204, pages])
    const theirs = await preflight('https://elsewhere.example')
    expect([theirs.status, theirs.headers.get('access-control-allow-origin')]).toEqual([403, null])
  })

  it('takes a tus upload through the link, whole', async () => {
    const data = randomBytes(1_500_000)
    const url = await linkFor(data.length)
    const stored = path.join(EXAMPLES, /\/(uploads\/[0-9a-f]{16}\.bin)\?/.exec(url)![1])
    let id: string | undefined
    try {
      const error = await new Promise<Error | undefined>((resolve) => {
        const upload: tus.Upload = new tus.Upload(data, {
          endpoint: url,
          chunkSize: 512 * 1024,
          retryDelays: [],
          headers: { Origin: pages },
          onError: (err) => resolve(err),
          onSuccess: () => {
            id = /upload=([\w-]{22})/.exec(upload.url ?? '')?.[1]
            resolve(undefined)
          },
        })
        upload.start()
      })
      expect(error).toBeUndefined()
      expect(readFileSync(stored).equals(data)).toBe(true)
    } finally {
      rmSync(stored, { force: true })
      for (const name of id === undefined ? [] : [id, `${id}.json`])
        rmSync(path.join(EXAMPLES, '.uploads.partial', name), { force: true })
    }
  })
})
