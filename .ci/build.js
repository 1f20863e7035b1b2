'use strict'
// Builds dist/ from lib/: the CommonJS build with its types (tsconfig.json), then the ES module build of the web
// entry (lib/tsconfig.web.json).
//
//   node .ci/build.js            dist/ removed first, then built whole (npm run build: tests, prepare, publish)
//   node .ci/build.js --changed  only what changed since the last build, nothing when nothing did (npm start)
//
// Both compile incrementally: TypeScript keeps what it knows of each build in dist/.tsbuildinfo/ (removed with
// dist/, left out of the package), and recompiles only the files that changed and those that depend on them. With
// --changed, the compilers are not even started when no input is newer than the last build's stamp.
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
const DIST = path.join(ROOT, 'dist')
const INFO = path.join(DIST, '.tsbuildinfo')
const STAMP = path.join(INFO, 'built')
const TSC = require.resolve('typescript/bin/tsc')
const PROJECTS = [
  ['tsconfig.json', 'main'],
  ['lib/tsconfig.web.json', 'web'],
]
// What a build reads besides lib/: its configurations, and the packages (types, TypeScript) installed.
const INPUTS = ['tsconfig.json', 'package.json', 'package-lock.json', 'node_modules/.package-lock.json']

/** The newest modification time among lib/ (its files and folders: a removed file changes its folder) and INPUTS. */
function newestInput() {
  let newest = 0
  const visit = (dir) => {
    newest = Math.max(newest, fs.statSync(dir).mtimeMs)
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name)
      if (entry.isDirectory()) visit(file)
      else newest = Math.max(newest, fs.statSync(file).mtimeMs)
    }
  }
  visit(path.join(ROOT, 'lib'))
  for (const file of INPUTS) {
    const stat = fs.statSync(path.join(ROOT, file), { throwIfNoEntry: false })
    if (stat) newest = Math.max(newest, stat.mtimeMs)
  }
  return newest
}

function compile() {
  const started = new Date()
  for (const [project, name] of PROJECTS) {
    const args = [TSC, '-p', project, '--incremental', '--tsBuildInfoFile', path.join(INFO, `${name}.tsbuildinfo`)]
    const { status, error } = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' })
    if (error) throw error
    if (status !== 0) process.exit(status ?? 1)
  }
  // What tsc does not write: the ES module build's package type, and the command's executable bit.
  fs.writeFileSync(path.join(DIST, 'esm', 'package.json'), JSON.stringify({ type: 'module' }))
  fs.chmodSync(path.join(DIST, 'cli.js'), 0o755)
  // Dated when the build began: a file saved while it ran is newer, and builds again next time.
  fs.writeFileSync(STAMP, '')
  fs.utimesSync(STAMP, started, started)
  return ((Date.now() - started.getTime()) / 1000).toFixed(1)
}

if (process.argv.includes('--changed')) {
  // Built before, and its entries still there (tsc rewrites only what changed: it would not bring back a removed
  // output, so a dist/ that lost one is built again whole).
  const stamp = fs.statSync(STAMP, { throwIfNoEntry: false })
  const whole = ['index.js', 'cli.js', 'web.js', 'esm/web.js'].every((file) => fs.existsSync(path.join(DIST, file)))
  if (stamp === undefined || !whole) {
    console.log('Building dist/ from lib/ (the first start: about 10 s, longer on a busy machine)…')
    fs.rmSync(DIST, { recursive: true, force: true })
    console.log(`Built dist/ in ${compile()} s.`)
  } else if (newestInput() > stamp.mtimeMs) {
    console.log('Building what changed in lib/ since the last build…')
    console.log(`Built in ${compile()} s.`)
  }
} else {
  fs.rmSync(DIST, { recursive: true, force: true })
  compile()
}
