// Reading signedUpload's options, once, when the middleware is made: the guard's (through createGuard) and the
// upload's own rules, every bad value a TypeError naming the option.
import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'
import { createGuard, type Guard } from './guard.js'
import { GUARD_OPTIONS, type GuardOptions } from './guard-options.js'
import type { Next } from './middleware.js'
import { readCors, type Cors, type CorsOptions, type CorsRules } from './cors.js'
import { readResumable, type ResumableOptions, type ResumableSettings } from './resumable-options.js'
import { requestMediaType } from '../link/media-types.js'
import {
  asOptions,
  booleanOption,
  clockOption,
  describeValue,
  toSeconds,
  type Duration,
} from '../util/option-checks.js'

/** What landed: the path (decoded, as signed), its size, the type it was sent as, and its base64url SHA-256. */
export interface Upload {
  /** Where it landed: the decoded path without its leading `/`, as the link signed it. */ path: string
  /** Its length in bytes. */ size: number
  /** The media type it was sent as (lower case, without parameters), or undefined when it named none. */
  contentType: string | undefined
  /** The base64url SHA-256 of its bytes. */ sha256: string
}

/** Options of {@link signedUpload}: the guard's (a signer, or its options; refusals), and the upload's rules. */
export type SignedUploadOptions = GuardOptions & {
  /** The most bytes an upload may have, whatever its link allows. Required. */
  maxBytes: number
  /** The media types an upload may be sent as (its Content-Type, without parameters). Default: any. */
  contentTypes?: readonly string[]
  /** Replace an existing file (always with one whole upload). Default `false`: 409 when the file exists. */
  overwrite?: boolean
  /** How long the body may stall between bytes: seconds or `'30s'`. Default `'30s'`; then 408. */
  timeout?: Duration
  /** Called instead of the default 201 JSON answer; `next(err)` passes an error on. */
  onUpload?: (upload: Upload, req: IncomingMessage, res: ServerResponse, next: Next) => void
  /** Let pages on these origins upload (answering the browser's preflight for PUT, and tus's methods). Default: none. */
  cors?: CorsOptions
  /**
   * Make every upload link also a tus 1.0 creation endpoint (tus-js-client, Uppy), served by @tus/server and
   * @tus/file-store (optional peers: install them). `true`, or where partial uploads wait. Default `false`.
   */
  resumable?: boolean | ResumableOptions
}

/** signedUpload's options as read: its guard, and the upload's rules with their defaults. */
export interface UploadSettings {
  check: Guard
  maxBytes: number
  /** The media types an upload may be sent as, or undefined for any. */
  types: readonly (string | undefined)[] | undefined
  overwrite: boolean
  timeoutMs: number
  onUpload: NonNullable<SignedUploadOptions['onUpload']>
  /** The folder, absolute. */
  folder: string
  cors: Cors | undefined
  resumable: ResumableSettings | undefined
}

/** What a page on another origin needs to upload, and to read the answer. */
const CORS: CorsRules = {
  methods: ['PUT'],
  headers: ['Content-Type'],
  exposed: ['Location', 'Retry-After'],
}
/** And with tus: its methods, the headers its clients send, and the ones they read. */
const TUS_CORS: CorsRules = {
  methods: ['PUT', 'POST', 'HEAD', 'PATCH', 'DELETE'],
  headers: [
    'Content-Type',
    'Tus-Resumable',
    'Upload-Length',
    'Upload-Offset',
    'Upload-Metadata',
    'Upload-Defer-Length',
    'Upload-Concat',
    'Upload-Checksum',
    'X-Requested-With',
  ],
  exposed: [
    'Location',
    'Retry-After',
    'Tus-Resumable',
    'Tus-Version',
    'Tus-Extension',
    'Tus-Max-Size',
    'Upload-Offset',
    'Upload-Length',
    'Upload-Metadata',
    'Upload-Expires',
  ],
  claims: { POST: 'tus-resumable', PATCH: 'tus-resumable', DELETE: 'tus-resumable', HEAD: 'tus-resumable' },
}

const OWN = ['maxBytes', 'contentTypes', 'overwrite', 'timeout', 'onUpload', 'cors', 'resumable']

/** Reads and checks signedUpload's root and options; throws a TypeError naming the option. */
export function readSignedUploadOptions(root: unknown, options: unknown): UploadSettings {
  if (typeof root !== 'string' || root.length === 0)
    throw new TypeError(`signedUpload: "root" must be a folder path, got ${describeValue(root)}`)
  const opts = asOptions<SignedUploadOptions>('signedUpload', options)
  const guardOptions = Object.fromEntries(Object.entries(opts).filter(([name]) => !OWN.includes(name)))
  const check = createGuard('signedUpload', guardOptions, new Set([...GUARD_OPTIONS, ...OWN]), 'PUT')
  const maxBytes = opts.maxBytes
  if (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 1)
    throw new TypeError(
      `signedUpload: "maxBytes" must be a positive whole number of bytes, got ${describeValue(maxBytes)}`,
    )
  const types = opts.contentTypes === undefined ? undefined : opts.contentTypes.map((t) => requestMediaType(t))
  if (types !== undefined && (types.length === 0 || types.some((t) => t === undefined)))
    throw new TypeError('signedUpload: "contentTypes" must be a non-empty list of media types such as \'image/png\'')
  const overwrite = booleanOption('signedUpload', 'overwrite', opts.overwrite)
  const timeout = toSeconds(opts.timeout ?? '30s')
  if (timeout === undefined || timeout < 1)
    throw new TypeError(
      `signedUpload: "timeout" must be a positive number of seconds or '30s', got ${describeValue(opts.timeout)}`,
    )
  const onUpload = opts.onUpload ?? respondCreated
  if (typeof onUpload !== 'function')
    throw new TypeError(`signedUpload: "onUpload" must be a function, got ${describeValue(onUpload)}`)
  const folder = path.resolve(root)
  // Expired partial uploads are kept while the guard still accepts their links (its clock tolerance), a minute at least.
  const now = clockOption('signedUpload', (opts as { now?: unknown }).now)
  const resumable = readResumable(opts.resumable, folder, check.signer, { now, grace: Math.max(60, check.tolerance) })
  const cors = readCors('signedUpload', opts.cors, resumable === undefined ? CORS : TUS_CORS)
  return { check, maxBytes, types, overwrite, timeoutMs: timeout * 1000, onUpload, folder, cors, resumable }
}

/** The default answer: 201 with `{ path, size, contentType, sha256 }`. */
function respondCreated(upload: Upload, _req: IncomingMessage, res: ServerResponse): void {
  const body = JSON.stringify(upload)
  res.statusCode = 201
  res.setHeader('Cache-Control', 'no-store')
  res.setHeader('Content-Type', 'application/json; charset=utf-8')
  res.setHeader('Content-Length', Buffer.byteLength(body))
  res.end(body)
}
