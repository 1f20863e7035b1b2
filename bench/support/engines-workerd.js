'use strict'
// bench/engines.js's workerd part: verifications/s of the web signer's verify() inside a Worker against one
// crypto.subtle.verify of the same string to sign with a key imported once (the floor), timed from outside.
const fs = require('node:fs')
const path = require('node:path')
const { Miniflare } = require('miniflare')
const { LOOP, ROOT, get, rounds } = require('./engines-common')

// A Worker looping n times over one of two tasks, each checked to succeed every time.
const LOOP_WORKER = `
import { createWebSigner } from 'express-signed-url/web'
const encoder = new TextEncoder()
let state
async function setup(key) {
  const signer = createWebSigner({ key, ttl: '1d' })
  const link = await signer.sign('private/image.png')
  const message = link.slice(0, link.indexOf('&signature=')).replace('/private', 'private')
  const hmac = await crypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
  const mac = await crypto.subtle.sign('HMAC', hmac, encoder.encode(message))
  return { signer, link, message, hmac, mac }
}
export default {
  async fetch(request, env) {
    state ??= await setup(env.KEY)
    const url = new URL(request.url)
    const n = Number(url.searchParams.get('n'))
    let ok = 0
    if (url.searchParams.get('task') === 'verify') {
      for (let i = 0; i < n; i++) if ((await state.signer.verify(state.link)).ok) ok++
    } else {
      for (let i = 0; i < n; i++) if (await crypto.subtle.verify('HMAC', state.hmac, state.mac, encoder.encode(state.message))) ok++
    }
    return new Response(String(ok))
  },
}`

async function workerdRows(key) {
  const dist = path.join(ROOT, 'dist', 'esm')
  const modules = [{ type: 'ESModule', path: path.join(ROOT, 'bench', 'loop.mjs'), contents: LOOP_WORKER }]
  // The build's folders too (util/, link/, ...): each module under the path its imports name it by.
  const built = fs.readdirSync(dist, { recursive: true, encoding: 'utf8' }).map((f) => f.split(path.sep).join('/'))
  for (const file of built.filter((f) => f.endsWith('.js'))) {
    const name = file === 'web.js' ? 'express-signed-url/web' : `express-signed-url/${file}`
    modules.push({
      type: 'ESModule',
      path: path.join(ROOT, 'bench', name),
      contents: fs.readFileSync(path.join(dist, file), 'utf8'),
    })
  }
  const mf = new Miniflare({
    modules,
    modulesRoot: path.join(ROOT, 'bench'),
    compatibilityDate: '2026-04-01',
    bindings: { KEY: key },
    host: '127.0.0.1',
    port: 0,
  })
  try {
    const base = await mf.ready
    const variants = { 'floor: subtle.verify': 'floor', 'verify()': 'verify' }
    const measure = async (name, task) => {
      const started = process.hrtime.bigint()
      const res = await get(new URL(`/?task=${task}&n=${LOOP}`, base))
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      if (res.status !== 200 || Number(res.body) !== LOOP)
        throw new Error(`workerd ${name}: ${res.status} ${res.body} of ${LOOP}`)
      return { rate: LOOP / seconds }
    }
    for (const task of Object.values(variants)) await measure(task, task) // warm up
    console.log(
      `workerd (miniflare ${require('miniflare/package.json').version}), loops of ${LOOP} in one request; ratio = verifications/s against the floor`,
    )
    for (const row of await rounds(variants, measure)) {
      console.log(
        `  ${row.name.padEnd(27)}${(row.rate / 1000).toFixed(1).padStart(8)} k/s${row['rate ratio'].toFixed(2).padStart(8)} (${row['rate range']})`,
      )
    }
  } finally {
    await mf.dispose()
  }
}

module.exports = { workerdRows }
