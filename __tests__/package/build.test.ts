// .ci/build.js on a small copy of the layout (a lib/ of four modules, the real configurations and the installed
// TypeScript): npm run build removes dist/ and builds it whole; npm start's --changed builds only what changed, and
// starts no compiler when nothing did.
import { spawnSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { starting } from '../support/budget'

const ROOT = path.join(__dirname, '..', '..')
let dir: string

/** Runs the copy's .ci/build.js with `args`; what it printed. */
function build(...args: string[]): string {
  const run = spawnSync(process.execPath, [path.join(dir, '.ci', 'build.js'), ...args], { encoding: 'utf8' })
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' })
  return run.stdout
}

const modified = (file: string) => statSync(path.join(dir, 'dist', file)).mtimeMs
/** Writes a file of the copy, dated a second later than anything built so far (file times may be coarse). */
function edit(file: string, text: string, at: Date) {
  writeFileSync(path.join(dir, file), text)
  utimesSync(path.join(dir, file), at, at)
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'signed-url-build-'))
  mkdirSync(path.join(dir, 'lib', 'util'), { recursive: true })
  mkdirSync(path.join(dir, '.ci'))
  cpSync(path.join(ROOT, '.ci', 'build.js'), path.join(dir, '.ci', 'build.js'))
  cpSync(path.join(ROOT, 'tsconfig.json'), path.join(dir, 'tsconfig.json'))
  cpSync(path.join(ROOT, 'lib', 'tsconfig.web.json'), path.join(dir, 'lib', 'tsconfig.web.json'))
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'copy', type: 'commonjs' }))
  writeFileSync(path.join(dir, 'lib', 'util', 'two.ts'), 'export const two = 2\n')
  writeFileSync(path.join(dir, 'lib', 'index.ts'), "export { two } from './util/two.js'\n")
  writeFileSync(path.join(dir, 'lib', 'web.ts'), "export { two } from './util/two.js'\n")
  writeFileSync(path.join(dir, 'lib', 'cli.ts'), 'export const cli = 1\n')
  // Only the packages a build reads, linked: not the shared folder, whose lockfile an install beside may touch.
  for (const name of ['typescript', '@types/node', 'undici-types']) {
    mkdirSync(path.dirname(path.join(dir, 'node_modules', name)), { recursive: true })
    symlinkSync(path.join(ROOT, 'node_modules', name), path.join(dir, 'node_modules', name))
  }
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('.ci/build.js', () => {
  starting(9).it('--changed builds all at first, nothing when nothing changed, then only what did', () => {
    expect(build('--changed')).toMatch(
      /^Building dist\/ from lib\/ \(the first start[^\n]*\nBuilt dist\/ in [\d.]+ s\.\n$/,
    )
    for (const file of ['index.js', 'index.d.ts', 'cli.js', 'web.js', 'esm/web.js', 'esm/util/two.js'])
      expect([file, existsSync(path.join(dir, 'dist', file))]).toEqual([file, true])
    expect(statSync(path.join(dir, 'dist', 'cli.js')).mode & 0o111).toBe(0o111)
    const first = { stamp: modified('.tsbuildinfo/built'), cli: modified('cli.js'), two: modified('util/two.js') }

    expect(build('--changed')).toBe('')
    expect(modified('.tsbuildinfo/built')).toBe(first.stamp)

    edit('lib/util/two.ts', 'export const two = 1 + 1\n', new Date(first.stamp + 1000))
    expect(build('--changed')).toMatch(/^Building what changed in lib\/ since the last build…\nBuilt in [\d.]+ s\.\n$/)
    expect(modified('util/two.js')).toBeGreaterThan(first.two)
    expect(modified('cli.js')).toBe(first.cli) // not rewritten: it does not import what changed

    // An output lost from dist/, which tsc would not write again (it goes by its record of the last build).
    rmSync(path.join(dir, 'dist', 'esm', 'web.js'))
    expect(build('--changed')).toMatch(/^Building dist\/ from lib\//)
    expect(existsSync(path.join(dir, 'dist', 'esm', 'web.js'))).toBe(true)
  })

  starting(3).it('without --changed removes dist/ first: nothing stale is left', () => {
    mkdirSync(path.join(dir, 'dist'))
    writeFileSync(path.join(dir, 'dist', 'removed-module.js'), '')
    expect(build()).toBe('')
    expect(existsSync(path.join(dir, 'dist', 'removed-module.js'))).toBe(false)
    expect(existsSync(path.join(dir, 'dist', 'index.js'))).toBe(true)
  })
})
