// What the README and the guides claim that a test can hold them to: every link lands, every command names a script
// or file that exists, and the lists that mirror the code (exports, dependencies, signed fields, refusal codes) are
// whole. Their code blocks are checked by docs-snippets.test.ts.
import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { SIGNED_FIELDS } from '../../lib/link/link-fields'
import { REFUSAL_TEXTS } from '../../lib/util/errors'
import {
  anchors,
  codeBlocks,
  linkTargets,
  MARKDOWN_FILES,
  readMarkdown,
  ROOT,
  typedocSlug,
  withoutFences,
} from '../support/markdown'

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>
  dependencies: Record<string, string>
}

/** The names an entry exports, values and types, read from its `export { ... } from` lines. */
function exportsOf(entry: string): string[] {
  const text = readFileSync(path.join(ROOT, 'lib', entry), 'utf8')
  return [...text.matchAll(/^export (?:type )?\{([^}]*)\}/gm)].flatMap((m) =>
    m[1]
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  )
}

describe('the documentation', () => {
  it('covers the guides the README indexes, and each guide is in the index', () => {
    const readme = readMarkdown('README.md')
    const guides = MARKDOWN_FILES.filter((file) => file.startsWith('docs/'))
    expect(guides.length).toBeGreaterThanOrEqual(13)
    for (const guide of guides)
      expect({ guide, indexed: readme.includes(`](${guide})`) }).toEqual({ guide, indexed: true })
  })

  it.each(MARKDOWN_FILES)('%s: every relative link lands on a file, and every anchor on a heading', (file) => {
    const text = readMarkdown(file)
    const targets = linkTargets(text).filter((target) => !/^[a-z]+:/.test(target))
    if (file === 'README.md' || file.startsWith('docs/')) expect(targets.length).toBeGreaterThan(0)
    for (const target of targets) {
      const [where, anchor] = target.split('#')
      const resolved = where === '' ? path.join(ROOT, file) : path.join(ROOT, path.dirname(file), where)
      expect({ target, exists: existsSync(resolved) }).toEqual({ target, exists: true })
      if (anchor === undefined) continue
      expect(resolved.endsWith('.md') && statSync(resolved).isFile()).toBe(true)
      // The same anchor on GitHub and in the API reference's copy of the guides, whose slugs differ for some headings.
      const text = readFileSync(resolved, 'utf8')
      expect({ target, github: anchors(text).has(anchor), typedoc: anchors(text, typedocSlug).has(anchor) }).toEqual({
        target,
        github: true,
        typedoc: true,
      })
    }
  })

  it.each(MARKDOWN_FILES)('%s: every `npm run` names a script, every `node <file>` a file', (file) => {
    const text = readMarkdown(file)
    for (const [, script] of text.matchAll(/\bnpm run ([a-z][\w:-]*)/g))
      expect({ script, defined: script in pkg.scripts }).toEqual({ script, defined: true })
    for (const [, script] of text.matchAll(/\bnode ((?:examples|bench|dist)\/[\w./-]+\.m?[jt]s)\b/g))
      expect({ script, exists: existsSync(path.join(ROOT, script)) || script.startsWith('dist/') }).toEqual({
        script,
        exists: true,
      })
  })

  it('marks every code block with its language', () => {
    for (const file of MARKDOWN_FILES)
      for (const block of codeBlocks(file))
        expect({ at: `${block.file}:${block.line}`, lang: block.lang }).not.toEqual({
          at: `${block.file}:${block.line}`,
          lang: '',
        })
  })
})

describe('the README', () => {
  const readme = readMarkdown('README.md')
  const lines = readme.split('\n')

  it('is an overview (at most 300 lines) with the quick start on its first screen', () => {
    expect(lines.length).toBeLessThanOrEqual(300)
    expect(lines.indexOf('## Quick start')).toBeGreaterThan(0)
    const quickStart = lines.indexOf('## Quick start')
    const firstCode = lines.findIndex((line, i) => i > quickStart && line === '```js')
    expect(firstCode).toBeLessThan(40)
    expect(lines.findIndex((line, i) => i > firstCode && line === '```')).toBeLessThan(60)
  })

  it('states the runtime dependencies as package.json has them: how many, and which', () => {
    const claim = /\*\*Runtime dependencies\*\*: (\d+), [^:]*: ((?:`[^`]+`[,\s]*)+)/.exec(readme)
    expect(claim).not.toBeNull()
    const [, count, list] = claim!
    const named = [...list.matchAll(/`([^`]+)`/g)].map((m) => m[1])
    expect(Number(count)).toBe(Object.keys(pkg.dependencies).length)
    expect(named.sort()).toEqual(Object.keys(pkg.dependencies).sort())
  })

  it('names every export of both entries in its API at a glance', () => {
    const api = readme.slice(readme.indexOf('## API at a glance'), readme.indexOf('## Guides'))
    const names = [...new Set([...exportsOf('index.ts'), ...exportsOf('web.ts')])]
    expect(names.length).toBeGreaterThan(40)
    for (const name of names)
      expect({ name, named: new RegExp(`\`${name}[\`(]`).test(api) }).toEqual({ name, named: true })
  })

  it('gives the Node versions package.json supports', () => {
    const floor = /^>=(\d+\.\d+)$/.exec((pkg as unknown as { engines: { node: string } }).engines.node)![1]
    expect(withoutFences(readme)).toContain(`Node ${floor} or later`)
  })
})

describe('the guides', () => {
  it('list every signed field in the order links carry them (link-format.md)', () => {
    const guide = readMarkdown('docs/link-format.md')
    const table = guide.slice(guide.indexOf('## Extensions'), guide.indexOf('## Upload links'))
    const fields = [...table.matchAll(/^\| `([a-z0-9]+)` \|/gm)].map((m) => m[1])
    expect(fields).toEqual(SIGNED_FIELDS.filter((name) => !['expiry', 'method', 'signature'].includes(name)))
  })

  it('explain every refusal code (signing.md)', () => {
    const guide = readMarkdown('docs/signing.md')
    const table = guide.slice(guide.indexOf('| `code` |'))
    const codes = [...table.matchAll(/`(ERR_[A-Z_]+)`/g)].map((m) => m[1])
    expect([...new Set(codes)].sort()).toEqual(Object.keys(REFUSAL_TEXTS).sort())
  })
})
