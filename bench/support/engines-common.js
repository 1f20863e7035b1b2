'use strict'
// What bench/engines.js and its two parts (engines-nginx.js, engines-workerd.js) share: the settings from the
// environment, a GET, and the rounds every variant is measured in.
const http = require('node:http')
const path = require('node:path')

const ROUNDS = Number(process.env.BENCH_ENGINES_ROUNDS ?? 3)
const SECONDS = Number(process.env.BENCH_ENGINES_SECONDS ?? 3)
const CONNECTIONS = Number(process.env.BENCH_ENGINES_CONNECTIONS ?? 32)
// For a quick smoke run (the test suite's): a fixed number of requests and of loop iterations.
const AMOUNT = process.env.BENCH_ENGINES_AMOUNT === undefined ? undefined : Number(process.env.BENCH_ENGINES_AMOUNT)
const LOOP = AMOUNT ?? 5000
const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx'
const ROOT = path.join(__dirname, '..', '..')

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

function get(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = ''
        res.on('data', (d) => {
          body += d
        })
        res.on('end', () => resolve({ status: res.statusCode, body }))
      })
      .on('error', reject)
  })
}

/**
 * Alternating rounds of each variant; `measure` returns named figures (the first is the one ratios are taken of),
 * per-round ratios against the first variant, then medians.
 */
async function rounds(variants, measure) {
  const names = Object.keys(variants)
  const runs = new Map(names.map((n) => [n, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]
      runs.get(name).push(await measure(name, variants[name]))
    }
  }
  const base = runs.get(names[0])
  return names.map((name) => {
    const list = runs.get(name)
    const row = { name }
    for (const figure of Object.keys(list[0])) {
      row[figure] = median(list.map((r) => r[figure]))
      row[`${figure} ratio`] = median(list.map((r, i) => r[figure] / base[i][figure]))
    }
    return row
  })
}

module.exports = { ROUNDS, SECONDS, CONNECTIONS, AMOUNT, LOOP, NGINX, ROOT, median, get, rounds }
