// The house rules the linter cannot see (CONTRIBUTING.md): __tests__/ mirrors lib/ module for module, and no
// import circle joins two files or two folders of lib/. The layers' direction is ESLint's (eslint.config.mjs).
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

const ROOT = path.join(__dirname, '..', '..')
const LIB = path.join(ROOT, 'lib')
const FOLDERS = readdirSync(LIB, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)

/** Every .ts file under a folder, relative to it, without its extension (and without `.test`). */
function modules(folder: string, suffix: string): string[] {
  return (readdirSync(folder, { recursive: true }) as string[])
    .filter((file) => file.endsWith(suffix) && !file.endsWith('.d.ts'))
    .map((file) => file.slice(0, -suffix.length).split(path.sep).join('/'))
    .sort()
}

/** lib/'s imports: each module (like `http/guard`) to the modules it imports, type-only imports included. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const name of modules(LIB, '.ts')) {
    const text = readFileSync(path.join(LIB, `${name}.ts`), 'utf8')
    const targets = [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom '(\.{1,2}\/[^']+)\.js'/gms)].map((m) =>
      path.posix.normalize(path.posix.join(path.posix.dirname(name), m[1])),
    )
    graph.set(name, targets)
  }
  return graph
}

/** The first circle found in a graph, as the path around it, or undefined. */
function circleIn(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>()
  const trail: string[] = []
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined
    if (state.get(node) === 'open') return [...trail.slice(trail.indexOf(node)), node]
    state.set(node, 'open')
    trail.push(node)
    for (const next of graph.get(node) ?? []) {
      const found = visit(next)
      if (found) return found
    }
    trail.pop()
    state.set(node, 'done')
    return undefined
  }
  for (const node of graph.keys()) {
    const found = visit(node)
    if (found) return found
  }
  return undefined
}

describe('the layout', () => {
  it('has a suite for every module of each lib/ folder, at the same place under __tests__/', () => {
    for (const folder of FOLDERS) {
      const suites = modules(path.join(ROOT, '__tests__', folder), '.test.ts')
      expect({ folder, modules: modules(path.join(LIB, folder), '.ts') }).toEqual({ folder, modules: suites })
    }
  })

  it('reads every import of lib/ (the graph below is not empty or partial)', () => {
    const graph = importGraph()
    expect(graph.get('http/guard')).toContain('http/middleware')
    expect(graph.get('index')).toContain('http/signed-static')
    for (const targets of graph.values())
      for (const target of targets) expect({ target, exists: graph.has(target) }).toEqual({ target, exists: true })
  })

  it('has no import circle between files', () => {
    expect(circleIn(importGraph())).toBeUndefined()
  })

  it('has no import circle between folders', () => {
    const folders = new Map<string, string[]>()
    for (const [name, targets] of importGraph()) {
      const from = path.posix.dirname(name)
      const to = targets.map((target) => path.posix.dirname(target)).filter((folder) => folder !== from)
      folders.set(from, [...(folders.get(from) ?? []), ...to])
    }
    expect(circleIn(folders)).toBeUndefined()
  })

  it('finds a circle when there is one (the check can fail)', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
    ])
    expect(circleIn(graph)).toEqual(['a', 'b', 'c', 'a'])
    expect(circleIn(new Map([['a', ['b']]]))).toBeUndefined()
  })
})
