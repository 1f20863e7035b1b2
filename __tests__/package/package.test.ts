import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { budget, starting } from '../support/budget'

const ROOT = path.join(path.join(__dirname, '..'), '..')
const SCRIPT = `
  const signer = createSigner({ key: 'k3y-for-test-vectors-only-0123456789abcdef', now: () => 1765432000000 })
  const link = signer.sign('private/image.png', { expiresAt: 1765432100 })
  console.log(JSON.stringify({ link, exports: [typeof signUrls, typeof signedStatic, typeof requireSignature, typeof SignedUrlError, typeof respondRefused, typeof parseKeyList] }))
`
const EXPECTED = {
  link: '/private/image.png?expiry=1765432100&method=get&signature=JAlvetgMrDoUCbglQ1WCmsFg_gDoM_pv_puL2rc6ksc',
  exports: ['function', 'function', 'function', 'function', 'function', 'function'],
}

/** The files under dist/ of a packed listing that no module of lib/ compiles to (`hasSource`: is lib/<m>.ts there). */
function withoutSource(files: readonly string[], hasSource: (module: string) => boolean): string[] {
  return files.filter((file) => {
    if (!file.startsWith('dist/') || file === 'dist/esm/package.json') return false // the build writes the last
    const module = /^dist\/(?:esm\/)?(.+?)\.(?:js|d\.ts)(?:\.map)?$/.exec(file)?.[1]
    return module === undefined || !hasSource(module)
  })
}

/**
 * What the source maps of a packed listing point at and the package leaves out: a `sourceMappingURL` to a map not
 * shipped, or a map's source that is neither shipped nor inlined (sourcesContent). `read` gives a file's text.
 */
function danglingMaps(files: readonly string[], read: (file: string) => string): string[] {
  const dangling: string[] = []
  const shipped = (from: string, target: string) => files.includes(path.posix.join(path.posix.dirname(from), target))
  for (const file of files.filter((f) => /\.(?:js|d\.ts)$/.test(f))) {
    const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(read(file))?.[1]
    if (url !== undefined && !url.startsWith('data:') && !shipped(file, url)) dangling.push(`${file} -> ${url}`)
  }
  for (const map of files.filter((f) => f.endsWith('.map'))) {
    const { sources, sourcesContent = [] } = JSON.parse(read(map)) as { sources: string[]; sourcesContent?: unknown[] }
    sources.forEach((source, i) => {
      if (typeof sourcesContent[i] !== 'string' && !shipped(map, source)) dangling.push(`${map} -> ${source}`)
    })
  }
  return dangling
}

// The built package, loaded by its own name the way a user's app loads it (npm test builds dist/ first).
describe('the built package', () => {
  // What `npm pack` would put in the tarball, from the dist/ npm test has just built.
  let files: string[]
  beforeAll(() => {
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' }),
    ) as [{ files: { path: string }[] }]
    files = packed.files.map((f) => f.path)
  }, budget(1))

  it('has compiled JavaScript and type declarations in dist/', () => {
    expect(existsSync(path.join(ROOT, 'dist', 'index.js'))).toBe(true)
    expect(existsSync(path.join(ROOT, 'dist', 'index.d.ts'))).toBe(true)
  })

  it('ships its LICENSE, README, CHANGELOG and SECURITY policy, and no sources or tests', () => {
    expect(files).toEqual(
      expect.arrayContaining(['LICENSE', 'README.md', 'CHANGELOG.md', 'SECURITY.md', 'package.json']),
    )
    expect(files).toContain('dist/index.js')
    expect(files.filter((f) => /^(lib|__tests__|examples|bench)\//.test(f))).toEqual([])
  })

  it('ships under dist/ only what a module of lib/ compiles to: no stale output, no build state', () => {
    expect(files.filter((f) => f.startsWith('dist/esm/'))).toContain('dist/esm/web.js')
    expect(withoutSource(files, (module) => existsSync(path.join(ROOT, 'lib', `${module}.ts`)))).toEqual([])
  })

  it('ships no source map that points at a file it leaves out', () => {
    expect(danglingMaps(files, (file) => readFileSync(path.join(ROOT, file), 'utf8'))).toEqual([])
  })

  it('finds a stale output and a dangling map when there is one (the checks can fail)', () => {
    const listing = ['dist/a.js', 'dist/a.js.map', 'dist/gone.js', 'dist/.tsbuildinfo/main.tsbuildinfo', 'dist/b.js']
    expect(withoutSource(listing, (module) => module !== 'gone')).toEqual([
      'dist/gone.js',
      'dist/.tsbuildinfo/main.tsbuildinfo',
    ])
    const text: Record<string, string> = {
      'dist/a.js': 'x\n//# sourceMappingURL=a.js.map',
      'dist/a.js.map': JSON.stringify({ sources: ['../lib/a.ts', '../lib/b.ts'], sourcesContent: [null, 'b'] }),
      'dist/gone.js': '',
      'dist/b.js': 'x\n//# sourceMappingURL=b.js.map\n',
    }
    expect(danglingMaps(Object.keys(text), (file) => text[file])).toEqual([
      'dist/b.js -> b.js.map',
      'dist/a.js.map -> ../lib/a.ts',
    ])
  })

  starting(1).it('loads with CommonJS require', () => {
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        `
      const { createSigner, signUrls, signedStatic, requireSignature, SignedUrlError, respondRefused, parseKeyList } = require('express-signed-url')
      ${SCRIPT}`,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    )
    expect(JSON.parse(out)).toEqual(EXPECTED)
  })

  starting(1).it('loads with an ESM import of named exports', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
      import { createSigner, signUrls, signedStatic, requireSignature, SignedUrlError, respondRefused, parseKeyList } from 'express-signed-url'
      ${SCRIPT}`,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    )
    expect(JSON.parse(out)).toEqual(EXPECTED)
  })

  starting(1).it('has one SignedUrlError for instanceof, whichever entries and module systems are mixed', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
      import { createWebSigner, SignedUrlError as WebError } from 'express-signed-url/web'
      import { createSigner, SignedUrlError } from 'express-signed-url'
      import { createRequire } from 'node:module'
      const require = createRequire(process.cwd() + '/')
      const CjsWeb = require('express-signed-url/web').SignedUrlError
      const key = 'k'.repeat(32)
      const fromWeb = (await createWebSigner({ key }).verify('/x')).error
      const fromMain = createSigner({ key }).verify('/x').error
      console.log(JSON.stringify([WebError !== SignedUrlError, fromWeb instanceof SignedUrlError, fromMain instanceof WebError,
        fromWeb instanceof CjsWeb, fromMain instanceof Error, fromWeb instanceof Error, new Error('x') instanceof SignedUrlError,
        ({ code: 'ERR_URL_EXPIRED' }) instanceof WebError]))`,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    )
    // Two classes (the ESM web build is self-contained), one answer to instanceof.
    expect(JSON.parse(out)).toEqual([true, true, true, true, true, true, false, false])
  })

  starting(4).it(
    'has types that stand alone: a Connect app with only @types/node, and an ESM app, compile against the tarball',
    () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'signed-url-consumer-'))
      try {
        execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, stdio: 'pipe' })
        const modules = path.join(dir, 'node_modules')
        mkdirSync(path.join(modules, '@types'), { recursive: true })
        const tarball = execFileSync('sh', ['-c', 'ls *.tgz'], { cwd: dir, encoding: 'utf8' }).trim()
        execFileSync('tar', ['xzf', tarball], { cwd: dir })
        cpSync(path.join(dir, 'package'), path.join(modules, 'express-signed-url'), { recursive: true })
        // Only @types/node beside the package: no @types/express, serve-static or connect for its types to lean on.
        symlinkSync(path.join(ROOT, 'node_modules', '@types', 'node'), path.join(modules, '@types', 'node'))
        cpSync(path.join(path.join(__dirname, '..'), 'fixtures', 'consumer'), dir, { recursive: true })
        const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
        // Every @ts-expect-error in the fixtures must be an error, and nothing else may be.
        expect(() => execFileSync(process.execPath, [tsc, '-p', dir], { cwd: dir, encoding: 'utf8' })).not.toThrow()
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  )
})
