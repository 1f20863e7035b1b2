// The extension-field vectors (fixtures/links-extensions.json), and sign's options for each.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { SignOptions } from 'express-signed-url'

export interface FieldVector {
  note: string
  key: string
  keyId?: string
  /** An upload link. */
  method?: 'put'
  path: string
  expiry: number
  fields: {
    scope?: number
    notbefore?: number
    ip?: string
    disposition?: 'attachment' | 'inline'
    filename?: string
    maxbytes?: number
    contenttype?: string
    sha256?: string
  }
  stringToSign: string
  signature: string
  link: string
}

export const fieldVectors = JSON.parse(
  readFileSync(path.join(path.join(__dirname, '..'), 'fixtures', 'links-extensions.json'), 'utf8'),
) as {
  vectors: FieldVector[]
  stable: Array<{ now: number; ttl: number; stableFor: number; expiry: number }>
}

/** sign's options for a vector's fields, with its expiry (or another) as expiresAt. */
export function optionsOf(v: FieldVector, expiresAt = v.expiry): SignOptions {
  const { scope, notbefore, ip, disposition, filename, maxbytes, contenttype, sha256 } = v.fields
  return {
    expiresAt,
    ...(v.method === undefined ? {} : { method: v.method }),
    ...(maxbytes === undefined ? {} : { maxBytes: maxbytes }),
    ...(contenttype === undefined ? {} : { contentType: contenttype.split(',') }),
    ...(sha256 === undefined ? {} : { sha256 }),
    ...(scope === undefined ? {} : { scope: `${v.path.split('/').slice(0, scope).join('/')}/` }),
    ...(notbefore === undefined ? {} : { notBefore: notbefore }),
    ...(ip === undefined ? {} : { ip: ip.split(',') }),
    ...(disposition === undefined ? {} : { disposition }),
    ...(filename === undefined ? {} : { filename }),
  }
}

/** The vector's key, with its id when it has one. */
export const keyOf = (v: FieldVector) => (v.keyId === undefined ? v.key : { id: v.keyId, secret: v.key })

/** Download names that exercise every branch of Content-Disposition: token, quoted, %XX, Latin-1, CJK, astral. */
export const DOWNLOAD_NAMES = [
  'plain.pdf',
  'a b.pdf',
  '"q" 100%.pdf',
  'x%41y.pdf',
  'Ünïcødé.pdf',
  '日本語 😀.pdf',
  "it's(1)*.pdf",
]
