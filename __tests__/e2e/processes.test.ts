import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { budget, starting } from '../support/budget'

const APP = path.join(path.join(__dirname, '..'), '..', 'examples', 'app.js')

interface Instance {
  child: ChildProcess
  base: string
}

/** Starts the example app (the built package, as `npm start` runs it) with SIGNING_KEYS, on a free port. */
function startInstance(keys: string[]): Promise<Instance> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', SIGNING_KEYS: keys.join(',') }
  delete env.SIGNING_KEY
  const child = spawn(process.execPath, [APP], { env, cwd: path.join(path.join(__dirname, '..'), '..') })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d
      const port = /localhost:(\d+)/.exec(out)
      if (port) resolve({ child, base: `http://127.0.0.1:${port[1]}` })
    })
    child.on('exit', (code) => reject(new Error(`example app exited with ${code}`)))
  })
}

function stop(instance: Instance): Promise<void> {
  return new Promise((resolve) => {
    instance.child.once('exit', () => resolve())
    instance.child.kill()
  })
}

/** The signed image link the instance's page prints. */
async function linkFrom(instance: Instance): Promise<string> {
  const html = await (await fetch(`${instance.base}/`)).text()
  return /id="image" src="([^"]+)"/.exec(html)![1].replace(/&amp;/g, '&')
}

describe('several processes sharing keys', () => {
  const running: Instance[] = []
  afterEach(async () => {
    await Promise.all(running.splice(0).map(stop))
  }, budget(1))

  starting(3).it('serves in one process a link signed by another', async () => {
    const keys = [randomBytes(32).toString('base64url')]
    running.push(await startInstance(keys), await startInstance(keys))
    for (const [from, to] of [
      [0, 1],
      [1, 0],
    ]) {
      const link = await linkFrom(running[from])
      const res = await fetch(`${running[to].base}${link}`)
      expect([from, to, res.status, res.headers.get('content-type')]).toEqual([from, to, 200, 'image/png'])
    }
    const other = await startInstance([randomBytes(32).toString('base64url')])
    running.push(other)
    expect((await fetch(`${other.base}${await linkFrom(running[0])}`)).status).toBe(403)
  })

  it.each([
    ['plain keys', ''],
    ['key ids (SIGNING_KEYS="id:secret,...")', 'id'],
  ])(
    'never refuses a valid link while a key rotation rolls out instance by instance, with %s',
    async (_name, ids) => {
      const [oldKey, newKey] = [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')].map(
        (secret, i) => (ids ? `${i === 0 ? '2026-11' : '2026-12'}:${secret}` : secret),
      )
      // Each stage restarts one instance; the new key is added for verifying everywhere before any instance signs with it.
      const stages: string[][][] = [
        [[oldKey], [oldKey]],
        [[oldKey, newKey], [oldKey]],
        [
          [oldKey, newKey],
          [oldKey, newKey],
        ],
        [
          [newKey, oldKey],
          [oldKey, newKey],
        ],
        [
          [newKey, oldKey],
          [newKey, oldKey],
        ],
      ]
      const links: string[] = []
      running.push(await startInstance(stages[0][0]), await startInstance(stages[0][1]))
      for (const [stage, config] of stages.entries()) {
        for (let i = 0; i < 2; i++) {
          if (stage > 0 && config[i].join() !== stages[stage - 1][i].join()) {
            await stop(running[i])
            running[i] = await startInstance(config[i])
          }
        }
        for (const instance of running) links.push(await linkFrom(instance))
        // Every link made so far, by any instance at any stage, is served by every running instance.
        for (const link of links) {
          for (const [i, instance] of running.entries()) {
            const res = await fetch(`${instance.base}${link}`)
            expect({ stage, instance: i, status: res.status }).toEqual({ stage, instance: i, status: 200 })
          }
        }
      }
      expect(links).toHaveLength(10)
      if (ids) expect(links.filter((link) => link.includes('&kid=2026-12&'))).toHaveLength(3)
    },
    budget(6), // two instances, then four restarts one at a time
  )

  starting(1).it('will not start on a malformed SIGNING_KEYS, and says why without quoting a key', async () => {
    const secret = randomBytes(32).toString('base64url')
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', SIGNING_KEYS: `not an id:${secret}` }
    delete env.SIGNING_KEY
    const child = spawn(process.execPath, [APP], { env, cwd: path.join(path.join(__dirname, '..'), '..') })
    let err = ''
    child.stderr!.on('data', (d: Buffer) => {
      err += d
    })
    const code = await new Promise((resolve) => child.on('exit', resolve))
    expect(code).toBe(1)
    expect(err).toContain(
      "Cannot start: parseKeyList: SIGNING_KEYS entry 1 has a ':' after something that is not a key id",
    )
    expect(err).not.toContain(secret)
  })
})
