// Reading signedUpload's `resumable` option, once, when the middleware is made: where partial uploads wait, and the
// tus server's packages (@tus/server and @tus/file-store, optional peers like `redis`), loaded only when asked for.
import path from 'node:path'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Signer } from '../signer/signer.js'
import { asOptions, assertKnownOptions, describeValue } from '../util/option-checks.js'

/** Options of `resumable` on {@link signedUpload}: `true` for the defaults, or where partial uploads wait. */
export interface ResumableOptions {
  /**
   * The folder partial uploads wait in until they land: outside the served folder, on the same file system (a
   * finished upload is linked into place, never copied). Default: a sibling of the root, `.<root's name>.partial`.
   */
  folder?: string
}

/** A tus upload as @tus/server's hooks see it (the fields used here). */
export interface TusUpload {
  id: string
  size?: number
  offset: number
  metadata?: Record<string, string | null>
}

/** The request @tus/server's hooks get (srvx's), with the Node request it wraps. */
export interface TusRequest {
  node?: { req: IncomingMessage }
  runtime?: { node?: { req: IncomingMessage } }
}

/** What is used of @tus/server's Server. */
export interface TusServer {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>
  datastore: { remove(id: string): Promise<void> }
}

/** What is used of the two packages. */
export interface TusPackages {
  Server: new (options: object) => TusServer
  FileStore: new (options: { directory: string }) => object
}

/** The resumable settings as read: the partial folder, absolute, and how to load the packages (on first use). */
export interface ResumableSettings {
  folder: string
  tus: () => TusPackages
  sign: Signer['sign']
  /** The clock (milliseconds) expired partial uploads are swept by, and the seconds they are kept past expiry. */
  now: () => number
  grace: number
}

const KNOWN = new Set(['folder'])

/** Reads `resumable` (undefined when absent or false); throws a TypeError naming it. */
export function readResumable(
  value: unknown,
  root: string,
  signer: object,
  { now, grace }: { now: () => number; grace: number },
  { check = checkTus, load = loadTus }: { check?: () => void; load?: () => TusPackages } = {},
): ResumableSettings | undefined {
  if (value === undefined || value === false) return undefined
  const opts = value === true ? {} : asOptions<ResumableOptions>('signedUpload resumable', value)
  assertKnownOptions('signedUpload resumable', opts, KNOWN)
  if (opts.folder !== undefined && (typeof opts.folder !== 'string' || opts.folder.length === 0))
    throw new TypeError(`signedUpload: "resumable.folder" must be a folder path, got ${describeValue(opts.folder)}`)
  const folder = path.resolve(opts.folder ?? path.join(path.dirname(root), `.${path.basename(root)}.partial`))
  // Inside the served folder, a partial upload would be a file anyone with a link could read half-written.
  // Outside means a path that climbs out: `..` or `../…` (a folder named `..partial` is inside), or another drive.
  const relative = path.relative(root, folder)
  const outside = relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)
  if (!outside) throw new TypeError('signedUpload: "resumable.folder" must be outside the folder uploads land in')
  const sign = (signer as { sign?: unknown }).sign
  if (typeof sign !== 'function')
    throw new TypeError('signedUpload: "resumable" needs a signer from createSigner (it signs each upload\'s link)')
  check()
  return { folder, tus: load, sign: (sign as Signer['sign']).bind(signer), now, grace }
}

const INSTALL = 'npm install @tus/server @tus/file-store'

/**
 * Checks, when the middleware is made, that the packages can be loaded: installed, and a Node that `require()`s
 * ES modules (20.19, 22.12 and later). They are loaded on the first tus request, so an app under a test runner
 * that cannot load ES modules (jest) still starts, and its other routes work.
 */
export function checkTus(): void {
  for (const name of ['@tus/server', '@tus/file-store']) {
    try {
      require.resolve(name)
    } catch (err) {
      throw new TypeError(
        `signedUpload: "resumable" needs the optional packages @tus/server and @tus/file-store: ${INSTALL}`,
        {
          cause: err,
        },
      )
    }
  }
  if (!requiresEsm(process.versions.node))
    throw new TypeError(`signedUpload: "resumable" needs Node 20.19 or later (it loads @tus/server, an ES module)`)
}

/**
 * Whether a Node version `require()`s ES modules without a flag: 20.19 and later 20s, 22.12 and later, 23 and
 * later. By version rather than `process.features.require_module`, which a test runner's sandbox (jest) reports false.
 */
export function requiresEsm(version: string): boolean {
  const [major, minor] = version.split('.').map(Number)
  return major >= 23 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19)
}

/**
 * Loads @tus/server and @tus/file-store. Both are ES modules that Node 20.19 and later `require()`; elsewhere, or
 * when they are not installed, a TypeError says what to do.
 */
export function loadTus(): TusPackages {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Server } = require('@tus/server') as { Server: TusPackages['Server'] }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { FileStore } = require('@tus/file-store') as { FileStore: TusPackages['FileStore'] }
    return { Server, FileStore }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new TypeError(
      code === 'MODULE_NOT_FOUND'
        ? `signedUpload: "resumable" needs the optional packages @tus/server and @tus/file-store: ${INSTALL}`
        : `signedUpload: "resumable" needs Node 20.19 or later to load @tus/server (${code ?? 'an error'})`,
      { cause: err },
    )
  }
}
