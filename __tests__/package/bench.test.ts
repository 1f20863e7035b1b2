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
      'limit: prepared-pad HMAC',
      'express-signed-url sign()',
      'express-signed-url verify()',
      '10 keys, key id',
      '100 res.locals.signUrl',
      '1000-character path, percent-encoded / its limit',
      'HLS segment, grant cookie / plain verify()',
      'grant cookie: forged / valid',
      'control: verify() again / verify()',
      'forged link (refused)',
      'keygrip',
      'signed (sha1 hash)',
    ]) {
      expect(stdout).toContain(row)
    }
    // The machine it ran on, and a ratio with its spread and its target.
    expect(stdout).toMatch(/^express-signed-url micro-benchmarks: Node v[\d.]+, .+, \d+ cores/)
    expect(stdout).toMatch(
      /verify\(\) \/ limit\s+[\d.]+\s+[\d.]+–[\d.]+\s+[\d.]+–[\d.]+\s+[\d.]+\s+≥ 0\.8\s+(meets|MISSES)/,
    )
  }, 60_000)

  // The round runner's own check: a task that does not do its job (a verify that refused) stops the run, whether it
  // fails before timing or only in a timed call.
  it('the round runner refuses a task that returns a falsy value, before or while it is timed', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runGroup } = require('../../bench/support/rounds') as {
      runGroup: (group: object, options: object) => unknown
    }
    const options = { rounds: 2, time: 1, ops: undefined }
    expect(() => runGroup({ title: 'g', tasks: { a: () => true, b: () => false } }, options)).toThrow(
      'g: task "b" did not do its job (returned false)',
    )
    let calls = 0
    const flaky = () => ++calls < 50
    expect(() => runGroup({ title: 'g', tasks: { flaky } }, options)).toThrow(/g: task "flaky" failed \d+ of \d+/)
    const result = runGroup(
      { title: 'g', tasks: { a: () => true, b: () => true }, ratios: [{ label: 'b / a', task: 'b', against: 'a' }] },
      { rounds: 3, time: 0, ops: 100 },
    ) as { ratios: { cpu: { median: number; min: number; max: number } }[] }
    expect(result.ratios[0].cpu.min).toBeLessThanOrEqual(result.ratios[0].cpu.median)
    expect(result.ratios[0].cpu.max).toBeGreaterThanOrEqual(result.ratios[0].cpu.median)
  })

  it("bench/profile.js prints the guard's share of the server's CPU, then where verify() spends its time", async () => {
    const { stdout } = await run(process.execPath, ['bench/profile.js'], {
      cwd: ROOT,
      env: { ...process.env, BENCH_PROFILE_SECONDS: '0.3', BENCH_PROFILE_RUNS: '2' },
    })
    expect(stdout).toMatch(
      /the guard \(self time of functions from dist\/\): median [\d.]+%, [\d.]+–[\d.]+% over 2 runs/,
    )
    expect(stdout).toMatch(/target ≤ 2\.5%: (meets|MISSES)/)
    expect(stdout).toMatch(/^verify\(\) profile: \d+ verifications/m)
    expect(stdout).toMatch(/%\s+\S/)
  }, 60_000)

  it('bench/http.js runs a few requests against each server and prints its table', async () => {
    const { stdout } = await run(process.execPath, ['bench/http.js'], {
      cwd: ROOT,
      env: { ...process.env, BENCH_HTTP_ROUNDS: '1', BENCH_HTTP_AMOUNT: '12', BENCH_HTTP_CONNECTIONS: '4' },
    })
    expect(stdout).toMatch(/1 kB\s+signedStatic\s+\d+/)
    // Server CPU per request and its ratio, numbers on every row.
    expect(stdout).toMatch(/1 kB\s+signedStatic(\s+[\d.]+){6}\s+[\d.]+–[\d.]+\s+[\d.]+–[\d.]+\s*$/m)
    expect(stdout).toMatch(/1 MB\s+express\.static, again \(control\)(\s+[\d.]+){6}/)
    expect(stdout).toMatch(/1 MB\s+express\.static\s+\d+/)
    expect(stdout).toContain('signed + express.static')
  }, 60_000)
})
