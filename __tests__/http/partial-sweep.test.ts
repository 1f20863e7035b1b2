// Partial uploads past their link's expiry (and the grace after it) removed with everything kept of them; all else
// left alone. An upload's expiry is kept with its creating link, `<id>.link` (upload-record.ts).
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sweepPartials } from '../../lib/http/partial-sweep'

const newId = () => randomBytes(16).toString('base64url')

let dir: string
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'partial-sweep-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** An upload as kept: its bytes and tus's `<id>.json`, and the creating link's record, `<id>.link` (or `link`). */
function upload(expiry: number | undefined, id = newId(), link?: string): string {
  writeFileSync(path.join(dir, id), 'some bytes')
  writeFileSync(path.join(dir, `${id}.json`), JSON.stringify({ id, offset: 10, metadata: {} }))
  writeFileSync(path.join(dir, `${id}.link`), link ?? JSON.stringify({ signature: 'S'.repeat(43), expiry }))
  return id
}
const names = () => readdirSync(dir).sort()

describe('sweepPartials()', () => {
  it('removes an upload from a minute after its expiry, and keeps it until then', async () => {
    const id = upload(1000)
    expect(await sweepPartials(dir, 1000)).toBe(0)
    expect(await sweepPartials(dir, 1059)).toBe(0)
    expect(names()).toEqual([id, `${id}.json`, `${id}.link`].sort())
    expect(await sweepPartials(dir, 1060)).toBe(1)
    expect(names()).toEqual([])
  })

  it('keeps an upload while the guard still accepts its link (its clock tolerance), and sweeps it after', async () => {
    upload(1000)
    expect(await sweepPartials(dir, 1000 + 3599, 3600)).toBe(0)
    expect(await sweepPartials(dir, 1000 + 3600, 3600)).toBe(1)
    expect(names()).toEqual([])
  })

  it('removes the expired ones with their landed mark and a landing left by a killed process, keeps the newer', async () => {
    const old = [upload(100), upload(200)]
    writeFileSync(path.join(dir, `${old[0]}.landed`), '10')
    writeFileSync(path.join(dir, `${old[1]}.landing.0123456789abcdef`), 'x')
    const kept = upload(5000)
    expect(await sweepPartials(dir, 1000)).toBe(2)
    expect(names()).toEqual([kept, `${kept}.json`, `${kept}.link`].sort())
  })

  it('leaves alone what is not of its making: other names, records without an expiry or not JSON', async () => {
    const noExpiry = upload(undefined)
    const notJson = upload(undefined, newId(), '{not json')
    for (const name of ['short', `${'A'.repeat(21)}.link`, `${'A'.repeat(23)}.link`, 'notes.txt'])
      writeFileSync(path.join(dir, name), JSON.stringify({ expiry: 1 }))
    mkdirSync(path.join(dir, 'folder'))
    const before = names()
    expect(await sweepPartials(dir, 10_000_000_000)).toBe(0)
    expect(names()).toEqual(before)
    expect(existsSync(path.join(dir, noExpiry))).toBe(true)
    expect(existsSync(path.join(dir, notJson))).toBe(true)
  })

  it('sweeps the rest when one record cannot be read', async () => {
    upload(undefined, newId(), '{not json')
    const expired = upload(100)
    expect(await sweepPartials(dir, 1000)).toBe(1)
    expect(existsSync(path.join(dir, expired))).toBe(false)
  })

  it('counts 0 for a folder that is not there', async () => {
    expect(await sweepPartials(path.join(dir, 'missing'), 1000)).toBe(0)
  })
})
