import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'

const ROOT = path.join(__dirname, '..')
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

  it('ships its LICENSE, README, CHANGELOG and SECURITY policy, and no sources or tests', () => {
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

  it('loads with CommonJS require', () => {
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

  it('loads with an ESM import of named exports', () => {
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
})
