'use strict'
// The round runner the micro-benchmarks share. Every round runs every task of a group once, in a fresh random
// order (a shuffle each round, so no task always follows the same neighbour or always runs first); each task is
// timed over batches of operations for about BENCH_TIME ms (or exactly BENCH_OPS operations), its CPU time per
// operation taken from process.cpuUsage() (user + system) and its wall time beside it. A ratio is taken round by
// round (a task against its reference in the same round), then reported as the median over the rounds with its
// spread (p25–p75 and min–max), so the reader sees how far one run can be trusted.
//
// Every task returns a truthy value when it did its job (a verify that refused would be fast for the wrong
// reason): each is run once before timing, and every timed call is checked too.
const os = require('node:os')

const settings = {
  rounds: Number(process.env.BENCH_ROUNDS ?? 15),
  time: Number(process.env.BENCH_TIME ?? 100),
  ops: process.env.BENCH_OPS === undefined ? undefined : Number(process.env.BENCH_OPS),
}

/** Node, CPU model and cores, for the top of every benchmark's output. */
function machine() {
  const cpus = os.cpus()
  return `Node ${process.version}, ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${os.platform()} ${os.arch()}`
}

/** A new array with the items in a random order (Fisher–Yates). */
function shuffle(items) {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

/** The q-quantile (0..1) of numbers, linearly interpolated. */
function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (sorted.length - 1) * q
  const low = Math.floor(at)
  const high = Math.ceil(at)
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low)
}

/** Median, quartiles and extremes of numbers. */
function spread(values) {
  return {
    median: quantile(values, 0.5),
    p25: quantile(values, 0.25),
    p75: quantile(values, 0.75),
    min: Math.min(...values),
    max: Math.max(...values),
  }
}

function check(group, name, result) {
  if (!result)
    throw new Error(`${group}: task "${name}" did not do its job (returned ${JSON.stringify(result)?.slice(0, 80)})`)
}

/** Times one task: batches of `batch` calls until the time (or the operation count) is reached. */
function measure(group, name, fn, batch, time, ops) {
  let done = 0
  let failed = 0
  const cpu0 = process.cpuUsage()
  const wall0 = process.hrtime.bigint()
  const until = wall0 + BigInt(Math.round(time * 1e6))
  for (;;) {
    for (let i = 0; i < batch; i++) if (!fn()) failed++
    done += batch
    if (ops === undefined ? process.hrtime.bigint() >= until : done >= ops) break
  }
  const wall = Number(process.hrtime.bigint() - wall0) / 1e3
  const cpu = process.cpuUsage(cpu0)
  if (failed > 0) throw new Error(`${group}: task "${name}" failed ${failed} of ${done} timed calls`)
  return { cpu: (cpu.user + cpu.system) / done, wall: wall / done }
}

/**
 * Runs a group: `{ title, tasks: { name: fn }, batch?, ratios: [{ label, task, against, target? }] }`. Returns
 * each task's median CPU and wall µs per operation, and each ratio's spread over the rounds, where a ratio is the
 * task's operations per CPU-second over the reference's (above 1: faster than the reference).
 */
function runGroup(group, options = settings) {
  const names = Object.keys(group.tasks)
  for (const name of names) check(group.title, name, group.tasks[name]())
  const batch = group.batch ?? 100
  const ops = options.ops === undefined ? undefined : Math.max(batch, Math.round(options.ops / batch) * batch)
  // A warm-up pass in a random order, untimed: the JIT settles before the first counted round.
  for (const name of shuffle(names))
    measure(group.title, name, group.tasks[name], batch, Math.min(options.time, 50), ops && batch)
  const runs = new Map(names.map((n) => [n, []]))
  for (let round = 0; round < options.rounds; round++)
    for (const name of shuffle(names))
      runs.get(name).push(measure(group.title, name, group.tasks[name], batch, options.time, ops))
  const tasks = names.map((name) => {
    const list = runs.get(name)
    return { name, cpu: spread(list.map((r) => r.cpu)).median, wall: spread(list.map((r) => r.wall)).median }
  })
  const ratios = (group.ratios ?? []).map((ratio) => {
    const mine = runs.get(ratio.task)
    const theirs = runs.get(ratio.against)
    if (mine === undefined || theirs === undefined) throw new Error(`${group.title}: no task for ${ratio.label}`)
    return {
      ...ratio,
      cpu: spread(mine.map((r, i) => theirs[i].cpu / r.cpu)),
      wall: spread(mine.map((r, i) => theirs[i].wall / r.wall)).median,
    }
  })
  return { title: group.title, note: group.note, tasks, ratios }
}

const W = 50 // the name column
const fixed = (n) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n >= 0.1 ? n.toFixed(2) : n.toFixed(3))

/** Prints a group's result: the tasks' costs, then the ratios with their spread and target. */
function printGroup(result, print = console.log) {
  print(result.title)
  if (result.note) print(`  ${result.note}`)
  print(`  ${'task'.padEnd(W)}${'CPU µs/op'.padStart(11)}${'wall µs/op'.padStart(12)}${'ops/CPU-s'.padStart(12)}`)
  for (const t of result.tasks)
    print(
      `  ${t.name.padEnd(W)}${fixed(t.cpu).padStart(11)}${fixed(t.wall).padStart(12)}${kilo(1e6 / t.cpu).padStart(12)}`,
    )
  if (result.ratios.length > 0) {
    print(
      `  ${'ratio (ops/CPU-s against)'.padEnd(W)}${'median'.padStart(8)}${'p25–p75'.padStart(13)}${'min–max'.padStart(13)}` +
        `${'wall'.padStart(7)}  target`,
    )
    for (const r of result.ratios) {
      const { median, p25, p75, min, max } = r.cpu
      const target = r.target === undefined ? '' : targetText(r.target, median)
      print(
        `  ${r.label.padEnd(W)}${median.toFixed(2).padStart(8)}${`${p25.toFixed(2)}–${p75.toFixed(2)}`.padStart(13)}` +
          `${`${min.toFixed(2)}–${max.toFixed(2)}`.padStart(13)}${r.wall.toFixed(2).padStart(7)}  ${target}`,
      )
    }
  }
  print('')
}

// `{ min }` (the median must be at least), `{ max }` (at most), or `{ near }` (within 10% of); `text` says it
// otherwise (a forgery's ≈ 1 is met by any median from 0.9 up: cheaper to refuse is no harm).
function targetText(target, median) {
  if (target.min !== undefined)
    return `${target.text ?? `≥ ${target.min}`}  ${median >= target.min ? 'meets' : 'MISSES'}`
  if (target.max !== undefined) return `≤ ${target.max}  ${median <= target.max ? 'meets' : 'MISSES'}`
  const ok = Math.abs(median - target.near) <= 0.1 * target.near
  return `≈ ${target.near}  ${ok ? 'meets' : 'MISSES'}`
}

function kilo(n) {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0)
}

/** The settings line under the machine line. */
function describeSettings(options = settings) {
  const each = options.ops === undefined ? `about ${options.time} ms` : `${options.ops} operations`
  return (
    `${options.rounds} rounds; each round runs every task of a group once in a fresh random order, ${each} each;\n` +
    'CPU = process.cpuUsage() user + system per operation; ratio = ops per CPU-second against the named task,\n' +
    "taken round by round: median, p25–p75 and min–max over the rounds, the wall-time ratio's median beside it"
  )
}

module.exports = { settings, machine, shuffle, quantile, spread, runGroup, printGroup, describeSettings }
