'use strict'
// What bench/engines.js and its two parts (engines-nginx.js, engines-workerd.js) share: the settings from the
// environment, a GET, and the rounds every variant is measured in.
const http = require('node:http')
const path = require('node:path')
const { shuffle, spread } = require('./rounds')

const ROUNDS = Number(process.env.BENCH_ENGINES_ROUNDS ?? 3)
const SECONDS = Number(process.env.BENCH_ENGINES_SECONDS ?? 3)
const CONNECTIONS = Number(process.env.BENCH_ENGINES_CONNECTIONS ?? 32)
// For a quick smoke run (the test suite's): a fixed number of requests and of loop iterations.
const AMOUNT = process.env.BENCH_ENGINES_AMOUNT === undefined ? undefined : Number(process.env.BENCH_ENGINES_AMOUNT)
const LOOP = AMOUNT ?? 5000
const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx'
const ROOT = path.join(__dirname, '..', '..')

const median = (values) => spread(values).median

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
 * Rounds of every variant, each round in a fresh random order; `measure` returns named figures, each row has their
 * medians and the medians of their per-round ratios against the first variant (`<figure> ratio`), with min–max
 * (`<figure> range`).
 */
async function rounds(variants, measure) {
  const names = Object.keys(variants)
  const runs = new Map(names.map((n) => [n, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of shuffle(names)) runs.get(name).push(await measure(name, variants[name]))
  }
  const base = runs.get(names[0])
  return names.map((name) => {
    const list = runs.get(name)
    const row = { name }
    for (const figure of Object.keys(list[0])) {
      row[figure] = median(list.map((r) => r[figure]))
      const ratios = spread(list.map((r, i) => r[figure] / base[i][figure]))
      row[`${figure} ratio`] = ratios.median
      row[`${figure} range`] = `${ratios.min.toFixed(2)}–${ratios.max.toFixed(2)}`
    }
    return row
  })
}

module.exports = { ROUNDS, SECONDS, CONNECTIONS, AMOUNT, LOOP, NGINX, ROOT, median, get, rounds }
