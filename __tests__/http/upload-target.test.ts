import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createSigner, type SignOptions } from 'express-signed-url'
import { makeRoom, refusalOfUpload, uploadTarget, type UploadHeaders } from '../../lib/http/upload-target'
import type { SignedHeaders, VerifiedLink } from '../../lib/http/middleware'
import type { UploadSettings } from '../../lib/http/signed-upload-options'

// Where an upload may land (the target as served), what its headers alone refuse, and making room for it on disk.
const NOW_MS = 1767225600000
const signer = createSigner({ key: 'k'.repeat(40), now: () => NOW_MS })

/** A verified upload link, as a guard leaves it. */
function linkOf(file: string, options: Omit<SignOptions, 'method' | 'expiresAt' | 'ttl' | 'stableFor'> = {}) {
  const result = signer.verify(signer.sign(file, { method: 'put', ...options } as SignOptions), { method: 'PUT' })
  if (!result.ok) throw new Error(`test link refused: ${result.error.code}`)
  return result as VerifiedLink
}

const headersFor = (served: string): SignedHeaders => ({ cacheControl: 'private', link: linkOf('a/b.txt'), served })

describe('uploadTarget', () => {
  const folder = path.join(os.tmpdir(), 'upload-target-root')

  it('takes a file: its decoded path and where it lands under the folder', () => {
    expect(uploadTarget(folder, headersFor('/a/b.txt'))).toEqual({
      relative: 'a/b.txt',
      file: path.join(folder, 'a', 'b.txt'),
    })
    expect(uploadTarget(folder, headersFor('/a/b.txt?expiry=1&signature=x'))?.file).toBe(
      path.join(folder, 'a', 'b.txt'),
    )
    expect(uploadTarget(folder, headersFor('/caf%C3%A9.txt'))?.file).toBe(path.join(folder, 'café.txt'))
  })

  it.each([
    ['a folder', '/a/'],
    ['a dot folder', '/.x/a'],
    ['a dotfile', '/a/.env'],
    ['a dotfile at the top', '/.env'],
    ['an undecodable escape', '/a/%ZZ.txt'],
    ['bytes that are not UTF-8', '/a/%C3.txt'],
    ['an encoded slash', '/a%2Fb.txt'],
    ['a dot-dot segment', '/a/../b.txt'],
    ['no leading slash', 'a/b.txt'],
  ])('refuses %s (%s)', (_what, served) => {
    expect(uploadTarget(folder, headersFor(served))).toBeUndefined()
  })

  it('refuses a segment over 255 bytes in UTF-8, and takes one of exactly 255', () => {
    // 'é' is 2 bytes: 128 of them are 256 bytes in 128 characters.
    expect(uploadTarget(folder, headersFor(`/a/${encodeURIComponent('é'.repeat(128))}`))).toBeUndefined()
    expect(uploadTarget(folder, headersFor(`/${'x'.repeat(256)}/b.txt`))).toBeUndefined()
    const longest = `${'é'.repeat(127)}x`
    expect(uploadTarget(folder, headersFor(`/a/${encodeURIComponent(longest)}`))?.file).toBe(
      path.join(folder, 'a', longest),
    )
  })
})

describe('refusalOfUpload', () => {
  const settings = (maxBytes: number, types?: string[]): Pick<UploadSettings, 'maxBytes' | 'types'> => ({
    maxBytes,
    types,
  })
  const plain = linkOf('a/b.txt')
  const capped = linkOf('a/b.txt', { maxBytes: 10 })
  const typed = linkOf('a/b.txt', { contentType: ['image/png', 'image/jpeg'] })
  const headers = (h: Partial<UploadHeaders>): UploadHeaders => ({
    length: undefined,
    type: undefined,
    encoding: undefined,
    ...h,
  })

  it.each<
    [string, Pick<UploadSettings, 'maxBytes' | 'types'>, VerifiedLink, Partial<UploadHeaders>, string | undefined]
  >([
    ['a length at the folder cap', settings(100), plain, { length: '100' }, undefined],
    ['a length over the folder cap', settings(100), plain, { length: '101' }, 'ERR_UPLOAD_TOO_LARGE'],
    ["a length at the link's maxBytes", settings(100), capped, { length: '10' }, undefined],
    ["a length over the link's maxBytes", settings(100), capped, { length: '11' }, 'ERR_UPLOAD_TOO_LARGE'],
    ['a folder cap below the link', settings(5), capped, { length: '6' }, 'ERR_UPLOAD_TOO_LARGE'],
    ['a non-numeric length', settings(100), plain, { length: 'ten' }, 'ERR_UPLOAD_TOO_LARGE'],
    ['a negative length', settings(100), plain, { length: '-1' }, 'ERR_UPLOAD_TOO_LARGE'],
    ['an empty length', settings(100), plain, { length: '' }, 'ERR_UPLOAD_TOO_LARGE'],
    ['a length with spaces', settings(100), plain, { length: ' 5' }, 'ERR_UPLOAD_TOO_LARGE'],
    ['16 digits under a huge cap', settings(Number.MAX_SAFE_INTEGER), plain, { length: '0000000000000005' }, undefined],
    ['17 digits', settings(Number.MAX_SAFE_INTEGER), plain, { length: '00000000000000005' }, 'ERR_UPLOAD_TOO_LARGE'],
    ['no declared length', settings(1), plain, {}, undefined],
    ['any type with no list', settings(100), plain, { type: 'text/html' }, undefined],
    ['no type with no list', settings(100), plain, {}, undefined],
    ['a type in settings.types', settings(100, ['image/png']), plain, { type: 'image/png' }, undefined],
    ['a type not in settings.types', settings(100, ['image/png']), plain, { type: 'text/html' }, 'ERR_UPLOAD_TYPE'],
    ['no type when settings.types is set', settings(100, ['image/png']), plain, {}, 'ERR_UPLOAD_TYPE'],
    ["a type in the link's contentType", settings(100), typed, { type: 'image/jpeg' }, undefined],
    ["a type not in the link's contentType", settings(100), typed, { type: 'image/gif' }, 'ERR_UPLOAD_TYPE'],
    ["no type when the link's contentType is set", settings(100), typed, {}, 'ERR_UPLOAD_TYPE'],
    ['a type in both lists', settings(100, ['image/png']), typed, { type: 'image/png' }, undefined],
    ['a type in the link only', settings(100, ['image/png']), typed, { type: 'image/jpeg' }, 'ERR_UPLOAD_TYPE'],
    ['a type in settings only', settings(100, ['image/gif']), typed, { type: 'image/gif' }, 'ERR_UPLOAD_TYPE'],
    ['content-encoding gzip', settings(100), plain, { encoding: 'gzip' }, 'ERR_UPLOAD_TYPE'],
    ['content-encoding " identity "', settings(100), plain, { encoding: ' identity ' }, undefined],
    ['content-encoding IDENTITY', settings(100), plain, { encoding: 'IDENTITY' }, undefined],
    ['content-encoding "identity, gzip"', settings(100), plain, { encoding: 'identity, gzip' }, 'ERR_UPLOAD_TYPE'],
    ['an empty content-encoding', settings(100), plain, { encoding: '' }, 'ERR_UPLOAD_TYPE'],
  ])('%s', (_what, rules, link, h, expected) => {
    expect(refusalOfUpload(rules, link, headers(h))).toBe(expected)
  })

  it('refuses the size before the type', () => {
    expect(
      refusalOfUpload(settings(1, ['image/png']), plain, headers({ length: '2', type: 'text/html', encoding: 'gzip' })),
    ).toBe('ERR_UPLOAD_TOO_LARGE')
  })
})

describe('makeRoom', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upload-target-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('makes the missing folders of a free target', async () => {
    const file = path.join(dir, 'x', 'y', 'z.txt')
    expect(await makeRoom(file, false)).toBeUndefined()
    expect(statSync(path.join(dir, 'x', 'y')).isDirectory()).toBe(true)
    expect(() => statSync(file)).toThrow()
  })

  it('refuses an existing file unless it may be replaced', async () => {
    const file = path.join(dir, 'f.txt')
    writeFileSync(file, 'old')
    expect(await makeRoom(file, false)).toBe('ERR_UPLOAD_EXISTS')
    expect(await makeRoom(file, true)).toBeUndefined()
    expect(statSync(file).isFile()).toBe(true)
  })

  it('refuses a folder at the target, even with overwrite', async () => {
    const file = path.join(dir, 'sub')
    mkdirSync(file)
    expect(await makeRoom(file, false)).toBe('ERR_UPLOAD_EXISTS')
    expect(await makeRoom(file, true)).toBe('ERR_UPLOAD_EXISTS')
  })

  it('refuses a file where a folder is needed, with or without overwrite', async () => {
    writeFileSync(path.join(dir, 'f'), 'a file')
    expect(await makeRoom(path.join(dir, 'f', 'g.txt'), false)).toBe('ERR_UPLOAD_EXISTS')
    expect(await makeRoom(path.join(dir, 'f', 'deeper', 'g.txt'), true)).toBe('ERR_UPLOAD_EXISTS')
    expect(statSync(path.join(dir, 'f')).isFile()).toBe(true)
  })

  it('refuses a folder name the file system cannot hold as not canonical', async () => {
    expect(await makeRoom(path.join(dir, 'x'.repeat(300), 'g.txt'), false)).toBe('ERR_PATH_NOT_CANONICAL')
  })
})
