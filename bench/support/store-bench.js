'use strict'
// What bench/store.js measures with: requests and responses as a guard reads and writes them (no sockets: only the
// guard's own work and the store's are timed), runs of one task, tasks interleaved in a fresh random order every
// round, and medians with their spread.
const { EventEmitter } = require('node:events')

function request(url) {
  return { url, originalUrl: url, method: 'GET', headers: {}, socket: { remoteAddress: '127.0.0.1' } }
}

function response() {
  const res = new EventEmitter()
  res.statusCode = 200
  res.headersSent = false
  res.setHeader = () => undefined
  res.removeHeader = () => undefined
  res.end = () => {
    res.headersSent = true
    res.emit('finish')
  }
  return res
}

// Each link through `guard` at once (plain links: no store call waits); throws unless every one was served.
function plainRun(guard, links) {
  let served = 0
  for (const link of links) guard(request(link), response(), () => served++)
  if (served !== links.length) throw new Error(`only ${served} of ${links.length} requests were served`)
}

// Each limited-use link through `guard`, one after another: each waits for its count, is served (the response
// ends, and the guard settles it), and the next starts; throws unless every one was served.
async function countedRun(guard, links) {
  let served = 0
  for (const link of links) {
    const res = response()
    await new Promise((resolve) => {
      res.once('finish', resolve)
      guard(request(link), res, () => {
        served++
        res.end()
      })
    })
  }
  if (served !== links.length) throw new Error(`only ${served} of ${links.length} limited-use requests were served`)
}

// One use of a one-use link per signature, as the guard asks the store for it: take, and once served, settle
// (not waited for, as the guard does not; the last is, so no run leaves work to the next). Resolves with the time
// the takes took (µs): how long requests waited to be served.
async function useRun(store, signatures, until) {
  const ask = { amount: 1, limit: 1, resend: 0, start: 0, end: 0, size: 0 }
  let settled
  let waited = 0n
  for (const signature of signatures) {
    const start = process.hrtime.bigint()
    const ticket = await store.take(signature, ask, until)
    waited += process.hrtime.bigint() - start
    if (typeof ticket !== 'number') throw new Error(`a fresh one-use link was refused: ${ticket}`)
    settled = store.settle(signature, ticket, ask, ask.amount)
  }
  await settled
  return Number(waited) / 1000
}

// `fn(input)` once, timed, in µs per item of `input`: CPU (process.cpuUsage: user and system, the collector's
// threads among them), wall time, and the time requests waited to be served (what `fn` resolves with; else the wall
// time). The heap is not collected between runs: that made every figure larger and noisier (measured).
async function timed(fn, input) {
  const cpu = process.cpuUsage()
  const start = process.hrtime.bigint()
  const waited = await fn(input)
  const wall = Number(process.hrtime.bigint() - start) / 1000
  const used = process.cpuUsage(cpu)
  const time = wall / input.length
  return {
    cpu: (used.user + used.system) / input.length,
    time,
    wait: waited === undefined ? time : waited / input.length,
  }
}

function shuffled(items) {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

/**
 * Runs `tasks` ({ name: { run(input), input() } }) once each to warm up, then `rounds` rounds, each in a fresh
 * random order, each task given a fresh input; resolves with { name: [{ cpu, time }, ...] }, one per round.
 */
async function interleaved(tasks, rounds) {
  const names = Object.keys(tasks)
  for (const name of names) await timed(tasks[name].run, tasks[name].input())
  const results = Object.fromEntries(names.map((name) => [name, []]))
  for (let round = 0; round < rounds; round++)
    for (const name of shuffled(names)) results[name].push(await timed(tasks[name].run, tasks[name].input()))
  return results
}

/** The median of `values` and their range, as text: `2.41 (2.30–2.60)`. */
function spread(values, digits = 2) {
  const sorted = [...values].sort((a, b) => a - b)
  const median = sorted[sorted.length >> 1]
  return `${median.toFixed(digits)} (${sorted[0].toFixed(digits)}–${sorted.at(-1).toFixed(digits)})`
}

/** Round by round, `a`'s figure over `b`'s (both from interleaved), for `key` ('cpu', 'time' or 'wait'). */
const ratios = (a, b, key) => a.map((run, i) => run[key] / b[i][key])
const median = (values) => [...values].sort((x, y) => x - y)[values.length >> 1]

/** A row of a table: the task's name, then `text`. */
const row = (name, text) => console.log(`  ${name.padEnd(58)} ${text}`)

/** Each task's CPU, time and wait per request (medians in µs; then their ranges). */
function printTimes(results) {
  for (const [name, runs] of Object.entries(results)) {
    const [c, t, w] = ['cpu', 'time', 'wait'].map((key) =>
      spread(
        runs.map((r) => r[key]),
        1,
      ).split(' '),
    )
    row(name, `${c[0]} µs   ${t[0]} µs   ${w[0]}   ${c[1]} ${t[1]} ${w[1]}`)
  }
}

module.exports = { countedRun, interleaved, median, plainRun, printTimes, ratios, row, spread, useRun }
