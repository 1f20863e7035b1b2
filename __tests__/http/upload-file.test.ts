import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { commit, temporaryFor } from '../../lib/http/upload-file'

describe('upload-file', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upload-file-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('names a temporary as a dotfile beside the target, with this process and a random part', () => {
    const a = temporaryFor(path.join(dir, 'x.png'))
    expect(path.dirname(a)).toBe(dir)
    expect(path.basename(a)).toMatch(new RegExp(`^\\.x\\.png\\.${process.pid}\\.[0-9a-f]{16}\\.upload$`))
    expect(temporaryFor(path.join(dir, 'x.png'))).not.toBe(a)
  })

  it('without overwrite, puts a temporary in place only where nothing is, and removes it either way', async () => {
    const target = path.join(dir, 'f.txt')
    const first = temporaryFor(target)
    writeFileSync(first, 'one')
    expect(await commit(first, target, false)).toBe(true)
    const second = temporaryFor(target)
    writeFileSync(second, 'two')
    expect(await commit(second, target, false)).toBe('ERR_UPLOAD_EXISTS')
    expect(readFileSync(target, 'utf8')).toBe('one')
    expect(readdirSync(dir)).toEqual(['f.txt'])
  })

  it('with overwrite, replaces the file with the temporary in one step', async () => {
    const target = path.join(dir, 'f.txt')
    writeFileSync(target, 'old')
    const next = temporaryFor(target)
    writeFileSync(next, 'new')
    expect(await commit(next, target, true)).toBe(true)
    expect(readFileSync(target, 'utf8')).toBe('new')
    expect(readdirSync(dir)).toEqual(['f.txt'])
  })
})
