import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createSigner } from 'express-signed-url'
import { checkTus, loadTus, readResumable, requiresEsm, type TusPackages } from '../../lib/http/resumable-options'

// signedUpload's `resumable` read once: off, the default folder, a folder of one's own, each mistake a TypeError
// naming the option; and the tus packages loaded only when asked for.
const NOW_MS = 1767225600000
const now = () => NOW_MS
const signer = createSigner({ key: 'k'.repeat(40), now })
const clock = { now, grace: 60 }

describe('readResumable', () => {
  let dir: string
  let root: string
  let loads: number
  const packages: TusPackages = {
    Server: class {} as unknown as TusPackages['Server'],
    FileStore: class {} as unknown as TusPackages['FileStore'],
  }
  const load = () => {
    loads++
    return packages
  }
  // Whether the packages can load is checked when the middleware is made; they load on the first tus request.
  let checks: number
  const check = () => {
    checks++
  }
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'resumable-options-'))
    root = path.join(dir, 'files')
    loads = 0
    checks = 0
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('is off (undefined) when absent or false, and checks and loads nothing', () => {
    expect(readResumable(undefined, root, signer, clock, { check, load })).toBeUndefined()
    expect(readResumable(false, root, signer, clock, { check, load })).toBeUndefined()
    expect([checks, loads]).toEqual([0, 0])
  })

  it('with true, waits in the default folder: a sibling of the root named .<root>.partial', () => {
    const settings = readResumable(true, root, signer, clock, { check, load })
    expect(settings?.folder).toBe(path.join(dir, '.files.partial'))
    expect(path.isAbsolute(settings!.folder)).toBe(true)
    expect([checks, loads]).toEqual([1, 0])
    expect(settings?.tus()).toBe(packages)
    expect(settings?.now).toBe(now)
    expect(settings?.grace).toBe(60)
    expect(loads).toBe(1)
    expect(readResumable({}, root, signer, clock, { check, load })?.folder).toBe(path.join(dir, '.files.partial'))
  })

  it('makes the default folder absolute for a relative root', () => {
    const folder = readResumable(true, path.join('some', 'root'), signer, clock, { check, load })!.folder
    expect(folder).toBe(path.resolve('some', '.root.partial'))
  })

  it('resolves a folder of its own', () => {
    const elsewhere = path.join(dir, 'partials')
    expect(readResumable({ folder: elsewhere }, root, signer, clock, { check, load })?.folder).toBe(elsewhere)
    expect(readResumable({ folder: path.join(root, '..', 'p') }, root, signer, clock, { check, load })?.folder).toBe(
      path.join(dir, 'p'),
    )
    expect(readResumable({ folder: 'relative/partials' }, root, signer, clock, { check, load })?.folder).toBe(
      path.resolve('relative/partials'),
    )
  })

  it('takes a sibling whose name starts with the root', () => {
    expect(readResumable({ folder: `${root}-partial` }, root, signer, clock, { check, load })?.folder).toBe(
      `${root}-partial`,
    )
  })

  it.each<[string, unknown, RegExp]>([
    ['an unknown option', { foler: '/tmp/x' }, /signedUpload resumable: unknown option "foler"/],
    ['a value that is not options', 'yes', /signedUpload resumable: options must be an object/],
    ['an empty folder', { folder: '' }, /"resumable\.folder" must be a folder path/],
    ['a folder that is not a string', { folder: 42 }, /"resumable\.folder" must be a folder path/],
    ['a null folder', { folder: null }, /"folder" must not be null/],
  ])('refuses %s with a TypeError naming it', (_what, value, message) => {
    expect(() => readResumable(value, root, signer, clock, { check, load })).toThrow(TypeError)
    expect(() => readResumable(value, root, signer, clock, { check, load })).toThrow(message)
    expect(loads).toBe(0)
  })

  it('refuses a folder equal to the root or inside it', () => {
    for (const folder of [
      root,
      `${root}/`,
      path.join(root, 'partial'),
      path.join(root, 'a', 'b'),
      path.join(root, '.partial'),
    ]) {
      expect(() => readResumable({ folder }, root, signer, clock, { check, load })).toThrow(TypeError)
      expect(() => readResumable({ folder }, root, signer, clock, { check, load })).toThrow(
        /"resumable\.folder" must be outside the folder uploads land in/,
      )
    }
    expect(loads).toBe(0)
  })

  it('refuses a folder inside the root whose name starts with two dots', () => {
    // path.relative gives '..partial' here: inside the root all the same.
    expect(() => readResumable({ folder: path.join(root, '..partial') }, root, signer, clock, { check, load })).toThrow(
      /"resumable\.folder" must be outside/,
    )
  })

  it('refuses a signer without sign, naming the option', () => {
    for (const bad of [{}, { sign: 'not a function' }]) {
      expect(() => readResumable(true, root, bad, clock, { check, load })).toThrow(TypeError)
      expect(() => readResumable(true, root, bad, clock, { check, load })).toThrow(
        /"resumable" needs a signer from createSigner/,
      )
    }
    expect(loads).toBe(0)
  })

  it('binds sign to the signer: it calls through with the signer as this', () => {
    const calls: unknown[][] = []
    const own = {
      prefix: '/signed/',
      sign(this: { prefix: string }, ...args: unknown[]) {
        calls.push(args)
        return `${this.prefix}${String(args[0])}`
      },
    }
    const { sign } = readResumable(true, root, own, clock, { check, load })!
    expect(sign('a/b.txt', { method: 'put', upload: 'x' })).toBe('/signed/a/b.txt')
    expect(calls).toEqual([['a/b.txt', { method: 'put', upload: 'x' }]])
  })

  it("signs with a real signer's key", () => {
    const { sign } = readResumable(true, root, signer, clock, { check, load })!
    const link = sign('a/b.txt', { method: 'put' })
    expect(link).toBe(signer.sign('a/b.txt', { method: 'put' }))
    expect(signer.verify(link, { method: 'PUT' })).toMatchObject({ ok: true, path: 'a/b.txt', method: 'put' })
  })
})

describe('loadTus', () => {
  it('throws a TypeError naming @tus/server where the ES module cannot be required (here: jest)', () => {
    expect(() => loadTus()).toThrow(TypeError)
    expect(() => loadTus()).toThrow(/@tus\/server/)
    expect(() => loadTus()).toThrow(/^signedUpload: "resumable" needs/)
  })

  it('says which Node loads it, and keeps the failure as the cause', () => {
    let caught: unknown
    try {
      loadTus()
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(TypeError)
    expect((caught as TypeError).message).toBe(
      'signedUpload: "resumable" needs Node 20.19 or later to load @tus/server (ERR_REQUIRE_ESM)',
    )
    // The cause comes from Node's realm, not jest's: checked by its fields, not instanceof.
    expect((caught as TypeError).cause).toMatchObject({
      code: 'ERR_REQUIRE_ESM',
      message: expect.stringMatching(/@tus/),
    })
  })
})

describe('checkTus', () => {
  it('passes here: both packages are installed, and this Node requires ES modules', () => {
    expect(() => checkTus()).not.toThrow()
  })

  it('knows which Node versions require ES modules', () => {
    for (const [version, yes] of [
      ['20.12.0', false],
      ['20.18.3', false],
      ['20.19.0', true],
      ['20.20.2', true],
      ['21.7.3', false],
      ['22.11.0', false],
      ['22.12.0', true],
      ['23.0.0', true],
      ['26.1.0', true],
    ] as const)
      expect([version, requiresEsm(version)]).toEqual([version, yes])
  })

  it('is what readResumable runs by default, so a missing package stops the middleware being made', () => {
    const root = path.join(os.tmpdir(), 'resumable-options-default')
    const missing = () => {
      throw new TypeError('signedUpload: "resumable" needs the optional packages')
    }
    expect(() => readResumable(true, root, signer, clock, { check: missing })).toThrow(/needs the optional packages/)
    expect(readResumable(true, root, signer, clock)?.tus).toBe(loadTus)
  })
})
