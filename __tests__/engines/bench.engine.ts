import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
// Runs one of the bench scripts from the project's root, with extra environment variables.
const script = (file: string, env: Record<string, string>) =>
  run(process.execPath, [file], { cwd: path.join(__dirname, '..', '..'), env: { ...process.env, ...env } })

// Not timed here: this only checks that the engines benchmark runs end to end (each task checked to succeed every
// time) and prints its rows.
it('bench/engines.js runs a few requests through nginx and a few loops in workerd, and prints both tables', async () => {
  const { stdout } = await script('bench/engines.js', {
    BENCH_ENGINES_ROUNDS: '1',
    BENCH_ENGINES_AMOUNT: '20',
    BENCH_ENGINES_CONNECTIONS: '2',
  })
  expect(stdout).toMatch(/1kB\.bin\s+njs verifier\s+\d+ req\/s\s+[\d.]+\s+\d+ µs CPU\/req/)
  expect(stdout).toMatch(/1MB\.bin\s+plain location\s+\d+ req\/s/)
  expect(stdout).toMatch(/1kB\.bin\s+Node signedStatic\s+\d+ req\/s/)
  expect(stdout).toMatch(/verify\(\)\s+[\d.]+ k\/s\s+[\d.]+/)
}, 60_000)

// The same for the upload benchmark and soak: they run end to end, and the soak's own check (exact counts, no
// temporaries left, every landed file whole) passes on a short run.
it('bench/uploads.js runs both handlers interleaved and prints its table and the memory line', async () => {
  const { stdout } = await script('bench/uploads.js', { BENCH_QUICK: '1', BENCH_ROUNDS: '1' })
  expect(stdout).toMatch(/1 MB\s+yes\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+ ms\s+[\d.]+ ms/)
  expect(stdout).toMatch(/ten 5 MB uploads at once: server RSS \d+ MB before, \d+ MB at its peak/)
  expect(stdout).toMatch(/resumable \(tus, 8 MB chunks\) against one PUT/)
  expect(stdout).toMatch(/1 MB\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+ ms\s+[\d.]+ ms/)
}, 60_000)

it('bench/soak-uploads.js gets exactly the expected status for every upload and leaves nothing behind', async () => {
  const { stdout } = await script('bench/soak-uploads.js', { SOAK_UPLOADS: '220', SOAK_CONCURRENCY: '16' })
  expect(stdout).toContain('temporaries left: 0')
  expect(stdout).toMatch(/two racing to one path\s+201: 20, 409: 20\s+expected 201: 20, 409: 20/)
  expect(stdout).toContain('OK: every upload got exactly what it must')
}, 60_000)

// The store's soak and benchmark, with their own redis-server: the soak's exact counts on a short run, and the
// benchmark's rows (not timed here).
it('bench/soak-store.js gets exactly the expected outcome for every request through two processes', async () => {
  const { stdout } = await script('bench/soak-store.js', { SOAK_STORE: '600', SOAK_CONCURRENCY: '16' })
  expect(stdout).toMatch(/410 ERR_USES_EXHAUSTED\s+75\s+expected 75\n/)
  expect(stdout).not.toContain('MISMATCH')
  expect(stdout).toContain('OK: every request got exactly what it must')
}, 60_000)

it('bench/store.js prints the revocation check, the use count, and the large-set rows', async () => {
  const { stdout } = await script('bench/store.js', {
    BENCH_ROUNDS: '1',
    BENCH_REQUESTS: '1000',
    BENCH_SIZES: '0,1000',
  })
  expect(stdout).toMatch(/Redis store, the same \(local copy\)\s+[\d.]+ µs\s+[\d.]+/)
  expect(stdout).toMatch(/Redis store \(a Lua script per request\)\s+[\d.]+ µs\s+[\d.]+ µs/)
  expect(stdout).toMatch(/Redis store, waitForReplicas: 1 \(one replica\)\s+[\d.]+ µs\s+[\d.]+ µs/)
  expect(stdout).toMatch(/1000 entries\s+\d+ ms\s+\([\d.]+ ms\)\s+\d+ ms\s+\([\d.]+ ms\)\s+\d+ B\s+[\d.]+ µs/)
}, 60_000)
