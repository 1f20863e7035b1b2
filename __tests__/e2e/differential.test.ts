// Rule 13's differential test: request targets built at random from the pieces that make parsers disagree, around
// valid links, under every mount kind, framework and guard. Whatever a response is, a 2xx carries exactly the bytes
// of the file the link names (or, for a folder grant, of a file inside that folder). CI runs a modest number of
// targets; DIFFERENTIAL_RUNS=2000 npm test -- differential runs a long campaign.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import { createSigner } from 'express-signed-url'
import {
  buildApp,
  frameworks,
  guards,
  KEY,
  listen,
  mounts,
  now,
  rawRequest,
  refuseUnparsable,
  SITE,
  type TestServer,
} from '../support/helpers'

const runs = Number(process.env.DIFFERENTIAL_RUNS ?? 15)
// A long campaign sends thousands of requests per test: allow 20 ms each.
jest.setTimeout(Math.max(5000, runs * 10 * 20))
const signer = createSigner({ key: KEY, now })

/** Pieces that url.parse, the routers, qs or a file server read in more than one way; `#` (which sends parseurl to
 * url.parse) is drawn most often. */
const RISKY = [
  '?',
  '\\',
  '//',
  '/',
  '@',
  "'",
  '"',
  '<',
  '>',
  '^',
  '`',
  '{',
  '|',
  '}',
  ' ',
  '\t',
  '%23',
  '%3F',
  '%5C',
  '%5c',
  '%2F',
  '%40',
  '%27',
  '%22',
  '%20',
  '%25',
  '%',
  '.',
  '..',
  '/..',
  '/.',
  '%2e',
  '%2E%2E',
  '&',
  '=',
  ';',
  '+',
  '&expiry=1',
  '&[expiry]=1',
  '&method[]=get',
  '&%5Bsignature%5D=x',
  '\u00a0',
  '\u00e9',
  '\u00c3\u00a9',
  '\u0000',
  '\r',
  '\n',
  'private/',
  'd/',
]
const piece = fc.oneof({ weight: 6, arbitrary: fc.constant('#') }, { weight: 50, arbitrary: fc.constantFrom(...RISKY) })
/** Authorities of every length, so one can be as long as a mount the router strips by length. */
const prefix = fc
  .tuple(
    fc.constantFrom('//u@', 'http://', 'HTTP://', 'http://u@', 'https://', '//'),
    fc.integer({ min: 1, max: 12 }),
    fc.constantFrom('', ':80', ']'),
  )
  .map(([head, n, tail]) => `${head}${'h'.repeat(n)}${tail}`)

type Edit =
  | { kind: 'insert'; piece: string; at: number }
  | { kind: 'decode'; at: number } // an escape written as the character it encodes
  | { kind: 'encode'; at: number } // a character written as an escape
  | { kind: 'prefix'; piece: string }

const edit: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('insert' as const), piece, at: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('decode' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('encode' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('prefix' as const), piece: prefix }) },
)
const edits = fc.array(edit, { minLength: 0, maxLength: 3 })

function apply(target: string, edits: readonly Edit[]): string {
  let out = target
  for (const e of edits) {
    if (e.kind === 'prefix') out = `${e.piece}${out}`
    else if (e.kind === 'insert') {
      const at = e.at % (out.length + 1)
      out = `${out.slice(0, at)}${e.piece}${out.slice(at)}`
    } else if (e.kind === 'decode') {
      const escapes = [...out.matchAll(/%[0-9A-Fa-f]{2}/g)]
      if (escapes.length === 0) continue
      const { index } = escapes[e.at % escapes.length]
      out = `${out.slice(0, index)}${String.fromCharCode(parseInt(out.slice(index + 1, index + 3), 16))}${out.slice(index + 3)}`
    } else {
      const at = e.at % out.length
      out = `${out.slice(0, at)}%${out.charCodeAt(at).toString(16).toUpperCase().padStart(2, '0')}${out.slice(at + 1)}`
    }
  }
  return out
}

/**
 * A tree in which a cut in the wrong place opens a real file: every folder holds `x.txt` and the folders `d`, `de`,
 * `private` and `files` (to a depth of three), and each file's bytes are its own path. A router cut moved by one
 * escaped character (two bytes) skips `d/`; an authority as long as `/private` skips the mount.
 */
const TREE = fs.mkdtempSync(path.join(os.tmpdir(), 'signed-differential-'))
const TREE_FILES: string[] = []
function grow(folder: string, depth: number): void {
  fs.mkdirSync(path.join(TREE, folder), { recursive: true })
  fs.writeFileSync(path.join(TREE, folder, 'x.txt'), `${folder}x.txt`)
  TREE_FILES.push(`${folder}x.txt`)
  if (depth < 3) for (const name of ['d', 'de', 'private', 'files']) grow(`${folder}${name}/`, depth + 1)
}
grow('', 0)
afterAll(() => fs.rmSync(TREE, { recursive: true, force: true }))
const rootOf = (root: string) => (root === SITE ? TREE : path.join(TREE, 'private'))
const FOLDER = 'private/d/'
/** Tails of the granted folder: inside it (each served unedited), and spellings that climb out. */
const INSIDE = ['x.txt', 'd/x.txt', 'de/x.txt', 'private/x.txt']
const TAILS = [...INSIDE, '../x.txt', '../de/x.txt', '..%2Fx.txt', '%2e%2e/x.txt', '.%2e/de/x.txt']

describe.each(guards)('one reading of the request target through $name', (guardUnderTest) => {
  describe.each(frameworks)('on $name', (fw) => {
    describe.each(mounts)('with the guard $name', (mount) => {
      const files = TREE_FILES.filter((file) => mount.wholeSite || file.startsWith('private/'))
      let server: TestServer
      let port: number
      beforeAll(async () => {
        const app = buildApp(fw, mount, (root) => guardUnderTest.make(rootOf(root), { signer }))
        server = await listen(fw.name === 'Connect' ? refuseUnparsable(app) : app)
        port = server.port
      })
      afterAll(() => server.close())

      it('a 2xx answer to any spelling of a link carries exactly the signed file', async () => {
        let servedCount = 0
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...files), edits, async (file, changes) => {
            const target = apply(signer.sign(mount.signed(file)), changes)
            const res = await rawRequest(port, target, {})
            expect([target, res.status > 0]).toEqual([target, true]) // every request gets an answer
            if (res.status >= 200 && res.status < 300) {
              servedCount++
              expect([target, res.body.toString()]).toEqual([target, file])
            }
          }),
          { numRuns: runs * 10, examples: files.map((file) => [file, []] as [string, Edit[]]) },
        )
        // The property is only worth something if it sees files served: every unedited link is among its examples.
        expect(servedCount).toBeGreaterThanOrEqual(files.length)
      })

      it('a 2xx answer under a folder grant (a prefix link or a cookie) carries a file inside the folder', async () => {
        const folder = mount.signed(FOLDER)
        const query = signer.sign(folder, { scope: 'prefix' }).split('?')[1]
        const cookie = { Cookie: `signed-grant=${signer.grant(folder).value}` }
        let servedCount = 0
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...TAILS), fc.boolean(), edits, async (tail, byCookie, changes) => {
            const base = `${mount.url(FOLDER)}${tail}`
            const target = apply(byCookie ? base : `${base}?${query}`, changes)
            const res = await rawRequest(port, target, byCookie ? cookie : {})
            expect([target, res.status > 0]).toEqual([target, true]) // every request gets an answer
            if (res.status >= 200 && res.status < 300) {
              servedCount++
              expect([target, res.body.toString().startsWith(FOLDER)]).toEqual([target, true])
            }
          }),
          {
            numRuns: runs * 5,
            examples: INSIDE.flatMap(
              (tail) =>
                [
                  [tail, true, []],
                  [tail, false, []],
                ] as Array<[string, boolean, Edit[]]>,
            ),
          },
        )
        expect(servedCount).toBeGreaterThanOrEqual(INSIDE.length * 2)
      })
    })
  })
})
