// The code in the README and the guides, held to working as written. Every ```js and ```ts block is type-checked
// against the built package's own declarations (as a user's editor sees them), unless its info string says
// `fragment` (a piece that only makes sense inside a larger program; the guide says where it goes). The README's
// quick start is also run: its app, its view and an image in a folder, then a browser's requests.
import { fork } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import ts from 'typescript'
import { type CodeBlock, codeBlocks, MARKDOWN_FILES, readMarkdown, ROOT } from '../support/markdown'

// Names the snippets use without defining them: what the text around each says it stands for (an app, a signer,
// a folder, a response in a route). The library's exports are there too, for snippets that show one call.
const GLOBALS = `
import type * as Library from 'express-signed-url'
import type { Express, Request, Response } from 'express'
declare global {
  const app: Express
  const req: Request
  const res: Response
  const signer: Library.Signer
  const store: Library.LinkStore
  const dir: string
  const root: string
  const key: string
  const leakedUrl: string
  const reportPath: (id: string) => string
  const sendExport: (req: Request, res: Response) => void
  const metrics: { increment(name: string): void }
  const env: Record<string, string>
  const file: File
  const bar: HTMLProgressElement
  const linkFor: (name: string) => Promise<string>
  const http: typeof import('node:http')
  const path: typeof import('node:path')
  const createSigner: typeof Library.createSigner
  const signUrls: typeof Library.signUrls
  const signedStatic: typeof Library.signedStatic
  const signedUpload: typeof Library.signedUpload
  const requireSignature: typeof Library.requireSignature
  const revocationCheck: typeof Library.revocationCheck
  const respondRefused: typeof Library.respondRefused
  const parseKeyList: typeof Library.parseKeyList
  const createRedisStore: typeof Library.createRedisStore
}
export {}
`

const checked = MARKDOWN_FILES.flatMap((file) => codeBlocks(file)).filter(
  (block) => ['js', 'ts'].includes(block.lang) && !block.info.includes('fragment'),
)

/**
 * A block as a file of its own inside the package (so `express-signed-url` resolves to the package itself, through
 * its exports, as from a user's node_modules). A block with `import` is an ES module, whose top-level `await` is
 * allowed; any other is CommonJS, its statements in an async function, as the text puts them in a route or a job.
 */
function asFile(block: CodeBlock, index: number): { name: string; text: string } {
  const esm = /^(import|export) /m.test(block.code)
  const ext = `${block.lang === 'ts' ? (esm ? '.mts' : '.cts') : esm ? '.mjs' : '.cjs'}`
  const name = path.join(ROOT, '__snippets__', `${path.basename(block.file, '.md')}-${block.line}-${index}${ext}`)
  return { name, text: esm ? block.code : `void (async () => {\n${block.code}\n})()\n` }
}

function typeErrors(): string[] {
  const files = new Map(checked.map((block, i) => [asFile(block, i).name, asFile(block, i).text]))
  const globals = path.join(ROOT, '__snippets__', 'globals.d.ts')
  files.set(globals, GLOBALS)
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2024.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    allowJs: true,
    checkJs: true,
    noEmit: true,
    skipLibCheck: true,
    moduleDetection: ts.ModuleDetectionKind.Force,
    // As a JavaScript user's editor checks: calls, option names and types, without demanding annotations.
    strict: false,
    noUnusedLocals: false,
  }
  const host = ts.createCompilerHost(options)
  const { getSourceFile, fileExists, readFile } = host
  host.fileExists = (name) => files.has(name) || fileExists(name)
  host.readFile = (name) => files.get(name) ?? readFile(name)
  host.getSourceFile = (name, language, ...rest) =>
    files.has(name) ? ts.createSourceFile(name, files.get(name)!, language) : getSourceFile(name, language, ...rest)
  const program = ts.createProgram([...files.keys()], options, host)
  const where = new Map(checked.map((block, i) => [asFile(block, i).name, block]))
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const block = d.file && where.get(d.file.fileName)
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0
    const at = block
      ? `${block.file}:${block.line + line + (/\.c[jt]s$/.test(d.file!.fileName) ? 0 : 1)}`
      : d.file?.fileName
    return `${at}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
  })
}

describe('the code in the README and the guides', () => {
  it('has blocks to check in every guide that shows code', () => {
    expect(checked.length).toBeGreaterThan(15)
    expect(new Set(checked.map((block) => block.file))).toContain('README.md')
  })

  // One program for every block: TypeScript's checker costs several seconds to start, on a busy machine more.
  it('type-checks, against the built package', () => {
    expect(typeErrors()).toEqual([])
  }, 120_000)
})

describe("the README's quick start", () => {
  const readme = readMarkdown('README.md')
  const section = readme.slice(
    readme.indexOf('## Quick start'),
    readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1),
  )
  const blocks = codeBlocks('README.md', section)
  const app = blocks.find((block) => block.lang === 'js')!
  const view = blocks.find((block) => block.lang === 'html')!
  const image = Buffer.from('an image, as far as the guard knows')
  let folder: string
  let child: ReturnType<typeof fork> | undefined

  beforeAll(() => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'quick-start-'))
    writeFileSync(path.join(folder, 'app.js'), app.code)
    mkdirSync(path.join(folder, 'views'))
    writeFileSync(path.join(folder, 'views', 'index.ejs'), view.code)
    mkdirSync(path.join(folder, 'private'))
    writeFileSync(path.join(folder, 'private', 'image.png'), image)
    // What `npm install express ejs express-signed-url` leaves: the three packages in node_modules.
    mkdirSync(path.join(folder, 'node_modules'))
    symlinkSync(ROOT, path.join(folder, 'node_modules', 'express-signed-url'), 'dir')
    for (const name of ['express', 'ejs'])
      symlinkSync(path.join(ROOT, 'node_modules', name), path.join(folder, 'node_modules', name), 'dir')
    // The app listens on 3000 as written; here the port is a free one, which the preload reports.
    writeFileSync(
      path.join(folder, 'free-port.js'),
      `const net = require('node:net')
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  const done = typeof args[args.length - 1] === 'function' ? args.pop() : undefined
  return listen.call(this, 0, '127.0.0.1', () => { process.send({ port: this.address().port }); done?.() })
}
`,
    )
  })

  afterAll(() => {
    child?.kill()
    rmSync(folder, { recursive: true, force: true })
  })

  it('has its app, its view, and the commands that install and start it', () => {
    expect(app.code).toContain("require('express-signed-url')")
    expect(view.code).toContain("signUrl('private/image.png')")
    expect(section).toContain('npm install express ejs express-signed-url')
    expect(section).toContain('node app.js')
    expect(section.split('\n').length).toBeLessThan(45)
  })

  it('runs as written: the page shows the image through a signed link, and an edited link is refused', async () => {
    const key = 'a-key-of-at-least-32-bytes-for-the-quick-start'
    child = fork(path.join(folder, 'app.js'), [], {
      cwd: folder,
      env: { ...process.env, SIGNING_KEY: key },
      execArgv: ['--require', path.join(folder, 'free-port.js')],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    })
    const port = await new Promise<number>((resolve, reject) => {
      child!.once('message', (m) => resolve((m as { port: number }).port))
      child!.once('exit', (code) => reject(new Error(`the quick start exited with ${code}`)))
    })
    const base = `http://127.0.0.1:${port}`
    const page = await (await fetch(`${base}/`)).text()
    const src = /<img src="([^"]+)">/.exec(page)?.[1].replaceAll('&amp;', '&')
    expect(src).toMatch(/^\/private\/image\.png\?expiry=\d+&method=get&signature=[\w-]{43}$/)

    const served = await fetch(`${base}${src}`)
    expect(served.status).toBe(200)
    expect(Buffer.from(await served.arrayBuffer())).toEqual(image)

    const edited = src!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))
    expect((await fetch(`${base}${edited}`)).status).toBe(403)
    expect((await fetch(`${base}/private/image.png`)).status).toBe(403)
  }, 60_000)
})
