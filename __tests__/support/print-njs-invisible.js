// Prints the INVISIBLE table of examples/nginx/signed-url.js: the code points lib/link/download-name.ts's INVISIBLE
// matches, as ranges, from the built package (njs 0.7 has no `u` flag, so no \p{...}). Paste its output over the
// table after a change to INVISIBLE (or lib/util/invisible-class.ts) or to Node's Unicode version; __tests__/link/download-name.test.ts fails until then.
//   npm run build --silent && node __tests__/support/print-njs-invisible.js
const { INVISIBLE } = require('../../dist/link/download-name.js')

// Surrogates are not characters (decodeURIComponent never yields a lone one), and the noncharacters U+xFFFE and
// U+xFFFF are left to the bit test beside the table.
const listed = (cp) =>
  !(cp >= 0xd800 && cp <= 0xdfff) && (cp & 0xfffe) !== 0xfffe && INVISIBLE.test(String.fromCodePoint(cp))

const ranges = []
for (let cp = 0; cp <= 0x10ffff; cp++) {
  if (!listed(cp)) continue
  const last = ranges[ranges.length - 1]
  if (last !== undefined && last[1] === cp - 1) last[1] = cp
  else ranges.push([cp, cp])
}

const hex = (cp) => `0x${cp.toString(16)}`
const lines = [`// Unicode ${process.versions.unicode}, Node ${process.versions.node}.`, 'var INVISIBLE = [']
let line = ' '
for (const [i, [low, high]] of ranges.entries()) {
  const item = ` [${hex(low)}, ${hex(high)}]${i < ranges.length - 1 ? ',' : ''}`
  if (line.length + item.length > 120) {
    lines.push(line)
    line = ' '
  }
  line += item
}
lines.push(line)
lines.push('];')
console.log(lines.join('\n'))
