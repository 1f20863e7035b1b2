import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { starting } from '../support/budget'

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

// The built package, loaded by its own name the way a user's app loads it (npm test builds dist/ first).
describe('the built package', () => {
  it('has compiled JavaScript and type declarations in dist/', () => {
    expect(existsSync(path.join(ROOT, 'dist', 'index.js'))).toBe(true)
    expect(existsSync(path.join(ROOT, 'dist', 'index.d.ts'))).toBe(true)
  })

  starting(1).it('ships its LICENSE, README, CHANGELOG and SECURITY policy, and no sources or tests', () => {
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' }),
    ) as [{ files: { path: string }[] }]
    const files = packed.files.map((f) => f.path)
    expect(files).toEqual(
      expect.arrayContaining(['LICENSE', 'README.md', 'CHANGELOG.md', 'SECURITY.md', 'package.json']),
    )
    expect(files).toContain('dist/index.js')
    expect(files.filter((f) => /^(lib|__tests__|examples|bench)\//.test(f))).toEqual([])
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
