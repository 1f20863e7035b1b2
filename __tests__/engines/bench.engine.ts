import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

// Not timed here: this only checks that the engines benchmark runs end to end (each task checked to succeed every
// time) and prints its rows.
it('bench/engines.js runs a few requests through nginx and a few loops in workerd, and prints both tables', async () => {
  const { stdout } = await run(process.execPath, ['bench/engines.js'], {
    cwd: path.join(__dirname, '..', '..'),
    env: { ...process.env, BENCH_ENGINES_ROUNDS: '1', BENCH_ENGINES_AMOUNT: '20', BENCH_ENGINES_CONNECTIONS: '2' },
  })
  expect(stdout).toMatch(/1kB\.bin\s+njs verifier\s+\d+ req\/s\s+[\d.]+\s+\d+ µs CPU\/req/)
  expect(stdout).toMatch(/1MB\.bin\s+plain location\s+\d+ req\/s/)
  expect(stdout).toMatch(/1kB\.bin\s+Node signedStatic\s+\d+ req\/s/)
  expect(stdout).toMatch(/verify\(\)\s+[\d.]+ k\/s\s+[\d.]+/)
}, 60_000)
