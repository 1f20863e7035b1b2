import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sweepPartials } from '../../lib/http/partial-sweep'
import { EXPIRY_KEY } from '../../lib/http/upload-record'

// Partial uploads past their link's expiry (and a minute's grace) removed, data and info; all else left alone.
const newId = () => randomBytes(16).toString('base64url')

describe('sweepPartials', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'partial-sweep-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  /** An upload as @tus/file-store keeps it: `<id>` (the data) and `<id>.json` (its info). */
  const partial = (expiry: string | undefined, id = newId(), info?: string) => {
    writeFileSync(path.join(dir, id), 'some bytes')
    const metadata = expiry === undefined ? { filetype: 'image/png' } : { filetype: 'image/png', [EXPIRY_KEY]: expiry }
    writeFileSync(path.join(dir, `${id}.json`), info ?? JSON.stringify({ id, offset: 10, metadata }))
    return id
  }
  const names = () => readdirSync(dir).sort()

  it('keeps its metadata key where resumable.ts writes it', () => {
    expect(EXPIRY_KEY).toBe('signed-url-expiry')
  })

  it('removes an upload from a minute after its expiry, and keeps it until then', async () => {
    const id = partial('1000')
    expect(await sweepPartials(dir, 1000)).toBe(0)
    expect(await sweepPartials(dir, 1059)).toBe(0)
    expect(names()).toEqual([id, `${id}.json`].sort())
    expect(await sweepPartials(dir, 1060)).toBe(1)
    expect(names()).toEqual([])
  })

  it('removes the expired ones, keeps the newer ones, and counts what it removed', async () => {
    const old = [partial('100'), partial('500'), partial('939')]
    const fresh = [partial('941'), partial('5000')]
    expect(await sweepPartials(dir, 1000)).toBe(3)
    expect(names()).toEqual(fresh.flatMap((id) => [id, `${id}.json`]).sort())
    for (const id of old) expect(existsSync(path.join(dir, id))).toBe(false)
  })

  it('removes the info of an expired upload whose data is already gone', async () => {
    const id = partial('100')
    rmSync(path.join(dir, id))
    expect(await sweepPartials(dir, 1000)).toBe(1)
    expect(names()).toEqual([])
  })

  it('leaves alone names that are not upload ids', async () => {
    const metadata = JSON.stringify({ metadata: { [EXPIRY_KEY]: '1' } })
    const others = [
      'short',
      'short.json',
      `${'A'.repeat(21)}.json`,
      `${'A'.repeat(23)}.json`,
      `${'A'.repeat(21)}=.json`,
    ]
    for (const name of others) writeFileSync(path.join(dir, name), metadata)
    writeFileSync(path.join(dir, 'A'.repeat(22)), 'data without info')
    mkdirSync(path.join(dir, 'sub'))
    expect(await sweepPartials(dir, 1_000_000)).toBe(0)
    expect(names()).toEqual([...others, 'A'.repeat(22), 'sub'].sort())
  })

  it('leaves alone info without the expiry key, or with one that is not a whole number', async () => {
    const kept = [partial(undefined), partial('soon'), partial('1.5'), partial('1e400')]
    expect(await sweepPartials(dir, 1_000_000)).toBe(0)
    expect(names()).toEqual(kept.flatMap((id) => [id, `${id}.json`]).sort())
  })

  it('leaves alone info it cannot parse, and still sweeps the rest', async () => {
    const broken = partial(undefined, newId(), '{ not json')
    const expired = partial('100')
    expect(await sweepPartials(dir, 1000)).toBe(1)
    expect(names()).toEqual([broken, `${broken}.json`].sort())
    expect(existsSync(path.join(dir, expired))).toBe(false)
  })

  it('leaves alone info whose JSON is not an object', async () => {
    const kept = [partial(undefined, newId(), 'null'), partial(undefined, newId(), '42')]
    expect(await sweepPartials(dir, 1_000_000)).toBe(0)
    expect(names()).toEqual(kept.flatMap((id) => [id, `${id}.json`]).sort())
  })

  it('gives 0 for a missing folder', async () => {
    expect(await sweepPartials(path.join(dir, 'missing'), 1_000_000)).toBe(0)
  })
})

describe('sweepPartials() with a grace', () => {
  it('keeps an upload while the guard still accepts its link (its clock tolerance), and sweeps it after', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'partial-sweep-grace-'))
    try {
      const id = 'GGGGGGGGGGGGGGGGGGGGGG'
      writeFileSync(path.join(folder, id), 'data')
      writeFileSync(path.join(folder, `${id}.json`), JSON.stringify({ id, metadata: { [EXPIRY_KEY]: '1000' } }))
      expect(await sweepPartials(folder, 1000 + 3599, 3600)).toBe(0)
      expect(existsSync(path.join(folder, id))).toBe(true)
      expect(await sweepPartials(folder, 1000 + 3600, 3600)).toBe(1)
      expect(readdirSync(folder)).toEqual([])
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
  })
})
