import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { landUpload } from '../../lib/http/land-upload'

// A finished resumable upload put in place: the same bytes (a second name for the partial), its digest checked,
// an existing file kept or replaced, and never a temporary left beside the target.
const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('base64url')
const ID = 'AAAAAAAAAAAAAAAAAAAAAA'

describe('landUpload', () => {
  let dir: string
  let partial: string
  let root: string
  let file: string
  const bytes = Buffer.from('the whole upload\n'.repeat(100))

  /** The temporaries (`.<name>.<pid>.<random>.upload`) beside the target. */
  const temporaries = () =>
    (existsSync(path.dirname(file)) ? readdirSync(path.dirname(file)) : []).filter(
      (n) => n.startsWith('.') || n.endsWith('.upload'),
    )

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'land-upload-'))
    mkdirSync(path.join(dir, 'partial'))
    partial = path.join(dir, 'partial', ID)
    root = path.join(dir, 'root')
    file = path.join(root, 'a', 'b.txt')
    writeFileSync(partial, bytes)
  })
  afterEach(() => {
    expect(temporaries()).toEqual([])
    rmSync(dir, { recursive: true, force: true })
  })

  it('lands identical bytes, the one name of the file: nothing of it stays among the partials', async () => {
    const ino = statSync(partial).ino
    expect(await landUpload(partial, file, { size: bytes.length, sha256: sha(bytes), overwrite: false })).toEqual({
      landed: bytes.length,
    })
    expect(readFileSync(file)).toEqual(bytes)
    expect([statSync(file).ino, statSync(file).nlink]).toEqual([ino, 1])
    expect(readdirSync(path.dirname(partial))).toEqual([])
    expect(readdirSync(path.dirname(file))).toEqual(['b.txt'])
  })

  it('lands without a digest to check', async () => {
    expect(await landUpload(partial, file, { size: undefined, sha256: undefined, overwrite: false })).toMatchObject({
      landed: bytes.length,
    })
    expect(readFileSync(file)).toEqual(bytes)
  })

  it("refuses a digest that is not the link's, and puts nothing at the file", async () => {
    expect(await landUpload(partial, file, { size: undefined, sha256: sha('other bytes'), overwrite: false })).toBe(
      'ERR_UPLOAD_DIGEST',
    )
    expect(existsSync(file)).toBe(false)
    // Refused: the partial is gone too (the upload is removed by the caller either way).
    expect(existsSync(partial)).toBe(false)
  })

  it('refuses an existing target and leaves its content untouched', async () => {
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, 'already here')
    expect(await landUpload(partial, file, { size: undefined, sha256: sha(bytes), overwrite: false })).toBe(
      'ERR_UPLOAD_EXISTS',
    )
    expect(readFileSync(file, 'utf8')).toBe('already here')
    // Refused: the partial is gone too (the upload is removed by the caller either way).
    expect(existsSync(partial)).toBe(false)
    expect(readdirSync(path.dirname(file))).toEqual(['b.txt'])
  })

  it('with overwrite, replaces an existing target with the upload', async () => {
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, 'already here')
    expect(await landUpload(partial, file, { size: undefined, sha256: sha(bytes), overwrite: true })).toMatchObject({
      landed: bytes.length,
    })
    expect(readFileSync(file)).toEqual(bytes)
    expect(statSync(file).nlink).toBe(1)
    expect(existsSync(partial)).toBe(false)
    expect(readdirSync(path.dirname(file))).toEqual(['b.txt'])
  })

  it('refuses a folder at the target even with overwrite', async () => {
    mkdirSync(file, { recursive: true })
    expect(await landUpload(partial, file, { size: undefined, sha256: sha(bytes), overwrite: true })).toBe(
      'ERR_UPLOAD_EXISTS',
    )
    expect(statSync(file).isDirectory()).toBe(true)
    // Refused: the partial is gone too (the upload is removed by the caller either way).
    expect(existsSync(partial)).toBe(false)
  })

  it('answers a missing partial as a storage failure', async () => {
    rmSync(partial)
    expect(await landUpload(partial, file, { size: undefined, sha256: sha(bytes), overwrite: false })).toBe(
      'ERR_UPLOAD_STORAGE',
    )
    expect(await landUpload(partial, file, { size: undefined, sha256: undefined, overwrite: true })).toBe(
      'ERR_UPLOAD_STORAGE',
    )
    expect(existsSync(file)).toBe(false)
  })
})

describe('landUpload() and the size tus finished', () => {
  it('lands nothing when the file under the name is not as long as the upload (a new one took the name)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'land-upload-size-'))
    try {
      const partial = path.join(dir, 'AAAAAAAAAAAAAAAAAAAAAA')
      const file = path.join(dir, 'root', 'b.txt')
      writeFileSync(partial, '')
      expect(await landUpload(partial, file, { size: 11, sha256: undefined, overwrite: false })).toBe(
        'ERR_UPLOAD_STORAGE',
      )
      expect(existsSync(file)).toBe(false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
