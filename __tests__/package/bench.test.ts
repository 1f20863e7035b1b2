import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const ROOT = path.join(path.join(__dirname, '..'), '..')

// The benchmarks are not timed here: this only checks that they run end to end and print their tables.
describe('the benchmark scripts', () => {
  it('bench/bench.js runs a few iterations and prints every group', async () => {
    const { stdout } = await run(process.execPath, ['bench/bench.js'], {
      cwd: ROOT,
      env: { ...process.env, BENCH_ROUNDS: '1', BENCH_TIME: '5' },
    })
    for (const row of [
      'floor: HMAC + link string',
      'express-signed-url sign()',
      'express-signed-url verify()',
      '10 keys, key id',
      '100 res.locals.signUrl',
      'verify: a 1000-character path',
      'forged link (refused)',
      'keygrip',
      'signed (sha1 hash)',
    ]) {
      expect(stdout).toContain(row)
    }
  }, 60_000)

  it('bench/profile.js profiles verify() and prints where the time goes', async () => {
    const { stdout } = await run(process.execPath, ['bench/profile.js'], {
      cwd: ROOT,
      env: { ...process.env, BENCH_PROFILE_SECONDS: '0.3' },
    })
    expect(stdout).toMatch(/^verify\(\) profile: \d+ verifications/)
    expect(stdout).toMatch(/%\s+\S/)
  }, 60_000)

  it('bench/http.js runs a few requests against each server and prints its table', async () => {
    const { stdout } = await run(process.execPath, ['bench/http.js'], {
      cwd: ROOT,
      env: { ...process.env, BENCH_HTTP_ROUNDS: '1', BENCH_HTTP_AMOUNT: '12', BENCH_HTTP_CONNECTIONS: '4' },
    })
    expect(stdout).toMatch(/1 kB\s+signedStatic\s+\d+/)
    // Server CPU per request and its ratio, numbers on every row.
    expect(stdout).toMatch(/1 kB\s+signedStatic(\s+[\d.]+){6}\s*$/m)
    expect(stdout).toMatch(/1 MB\s+express\.static\s+\d+/)
    expect(stdout).toContain('signed + express.static')
  }, 60_000)
})
