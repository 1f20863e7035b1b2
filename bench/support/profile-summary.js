'use strict'
// Sums a V8 CPU profile (Profiler.stop's) by who spent the time: this package's own code (functions from its dist/),
// and the same with the Node built-ins and native code it calls directly (crypto.hash, Buffer writes: samples whose
// nearest JavaScript frame outside node: is in dist/). The total is every sample but the idle ones, so a share is
// of the process's busy CPU; the garbage collector is counted in the total and to no one.
const path = require('node:path')

const DIST = path.join(__dirname, '..', '..', 'dist') + path.sep
const META = new Set(['(root)', '(program)', '(idle)', '(garbage collector)'])

const fileOf = (url) => (url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url)
// Node's own JavaScript, or native code with no script at all (a C++ binding, a builtin).
const builtIn = (frame) => frame.url.startsWith('node:') || (frame.url === '' && !META.has(frame.functionName))

/** `{ total, ours, oursWithCalls, top, topOurs }` in microseconds; `top*` are `[name, µs]` by self time. */
function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  // Each node's owner: 'ours' when its frame is in dist/, 'called' when it is built in and its nearest frame that
  // is not is ours, else undefined. Parents come before children in a walk from the root.
  const owner = new Map()
  const walk = (node, inherited) => {
    const frame = node.callFrame
    const mine = fileOf(frame.url).startsWith(DIST)
    const own = mine ? 'ours' : builtIn(frame) && inherited !== undefined ? 'called' : undefined
    owner.set(node.id, own)
    const passOn = mine ? 'ours' : builtIn(frame) ? inherited : undefined
    for (const child of node.children ?? []) walk(byId.get(child), passOn)
  }
  walk(profile.nodes[0], undefined)
  const self = new Map()
  let total = 0
  let ours = 0
  let called = 0
  profile.samples.forEach((id, i) => {
    const node = byId.get(id)
    const time = profile.timeDeltas[i + 1] ?? 0 // a sample's delta is the time until the next one
    if (node.callFrame.functionName === '(idle)') return
    total += time
    if (owner.get(id) === 'ours') ours += time
    if (owner.get(id) === 'called') called += time
    const frame = node.callFrame
    const file = fileOf(frame.url)
    const where = file.startsWith(DIST) ? `dist/${file.slice(DIST.length)}` : file.split('/').slice(-2).join('/')
    const name = `${frame.functionName || '(anonymous)'} ${where}`.trim()
    self.set(name, (self.get(name) ?? 0) + time)
  })
  const sorted = [...self].sort((a, b) => b[1] - a[1])
  return {
    total,
    ours,
    oursWithCalls: ours + called,
    top: sorted.slice(0, 12),
    topOurs: sorted.filter(([name]) => name.includes(' dist/')).slice(0, 12),
  }
}

module.exports = { summarize }
