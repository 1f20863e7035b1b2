// The signer's public options and results, and the list of option names every factory derives its own from.
import type { Refusal } from '../util/errors.js'
import type { IdentifiedSecret, Secret } from '../crypto/keys.js'
import type { Disposition } from '../link/download-name.js'
import type { Duration } from '../util/option-checks.js'

/** Options of `createSigner` and `createWebSigner`. Exactly one of `key` or `keys` is required. */
export type SignerOptions = KeyOptions & {
  /** Lifetime of a link when `sign` is given neither `ttl` nor `expiresAt`: seconds or `'10m'`. Default `'1h'`. */
  ttl?: Duration
  /** Longest lifetime `sign` will grant: seconds or `'7d'`. Default `'7d'`. */
  maxTtl?: Duration
  /**
   * Seconds a link stays good past its expiry (and before its `notBefore`), for clocks that disagree between
   * servers. Default `0`; at most `'6h'` (a TypeError beyond), as long as the stores keep revocations past expiry.
   */
  clockTolerance?: Duration
  /**
   * Default of sign's `stableFor`: links made within one window of this length are identical, so browsers reuse
   * what they cached. Default: none (every link is fresh).
   */
  stableFor?: Duration
  /** Origin that makes links absolute, such as `'https://files.example.com'`. Default: none (links start `/`). */
  baseUrl?: string
  /** Clock in milliseconds, like `Date.now`. Default `Date.now`. Inject one in tests. */
  now?: () => number
  /**
   * Stamp every link with when it was made (`issued=<Unix seconds>`, signed), so that a store's
   * `revokeFolder(folder)` takes back the links made before it and spares those made after. With `stableFor`, the
   * stamp is the start of the link's window, so the links of one window stay identical: a revocation with
   * `issuedBefore: T` then takes back every link made until T, and may take back some made within a window after.
   * Default `false`: links stay plain v1.
   */
  stampIssued?: boolean
}

/**
 * The secret(s): `key` for one, or `keys: [newest, ...older]` to rotate (the first signs, all verify). A key given
 * as `{ id, secret }` signs links that carry `kid=<id>`; those cost one HMAC to verify whatever the ring's size.
 */
export type KeyOptions =
  | {
      /** The one secret, at least 32 bytes. */ key: Secret | IdentifiedSecret
      /** Not with `key`. */ keys?: never
    }
  | {
      /** Newest first: the first signs, all verify. */ keys: readonly (Secret | IdentifiedSecret)[]
      /** Not with `keys`. */ key?: never
    }

/** Per-link options of `sign`: a lifetime (`ttl`) or an absolute expiry (`expiresAt`), not both, and the fields. */
export type SignOptions = (
  | {
      /** Lifetime of this link: seconds or `'10m'`, at most `maxTtl`. Default: the signer's `ttl`. */ ttl?: Duration
      /** Not with `ttl`. */ expiresAt?: never
      /**
       * Rounds the expiry up to the first whole multiple of this window (Unix time) after `ttl` from now, so every
       * link for the same path and options made within one window is identical and a browser reuses its cached
       * copy. The link lives more than `ttl` and at most `ttl` plus the window; the two together must not exceed
       * `maxTtl`. `0` turns off the signer's default. Adds no field: the link is plain v1.
       */
      stableFor?: Duration
    }
  | {
      /** A Date, or Unix time in seconds. */ expiresAt: Date | number
      /** Not with `expiresAt`. */ ttl?: never
      /** Not with `expiresAt`, which is already stable. */ stableFor?: never
    }
) & {
  /**
   * Makes the link grant a whole folder: `'prefix'` when the signed path is itself the folder (ends in `/`), or
   * a folder containing the path (`sign('videos/42/index.m3u8', { scope: 'videos/42/' })`). Default: the path only.
   */
  scope?: 'prefix' | (string & Record<never, never>)
  /**
   * The link works from this time (a Date, or Unix seconds; a Date's fraction of a second rounds up), refused with
   * `ERR_URL_NOT_YET_VALID` before it; it must come before the expiry. Signed as `notbefore`.
   */
  notBefore?: Date | number
  /**
   * Serves the link only to a client address inside: `'203.0.113.7'`, `'2001:db8::/32'`, or a list of up to 16.
   * The client address is `req.ip` under Express (so `trust proxy` decides), the socket's under Connect. Refused
   * with `ERR_IP_NOT_ALLOWED` otherwise. Signed as `ip`.
   */
  ip?: string | readonly string[]
  /**
   * Serves the file with `Content-Disposition: attachment; filename=...`: the browser saves it under this name (any
   * Unicode, at most 255 bytes in UTF-8, no control characters, `/` or `\`). Not with `scope`. Signed as `filename`.
   */
  filename?: string
  /** `'attachment'` (save, the default with a `filename`) or `'inline'` (show). Signed as `disposition`. */
  disposition?: Disposition
  /**
   * `'put'` makes an upload link (ittybit's `method=put`): it never reads, as a GET link never writes. Default
   * `'get'`. Not with `scope`, `filename` or `disposition`, nor for a folder.
   */
  method?: 'get' | 'put'
  /** For an upload link: the most bytes the upload may have. Signed as `maxbytes`. */
  maxBytes?: number
  /** For an upload link: the media type(s) it may be sent as (`'image/png'`, or a list). Signed as `contenttype`. */
  contentType?: string | readonly string[]
  /** For an upload link: the base64url SHA-256 of the exact content (43 characters). Signed as `sha256`. */
  sha256?: string
  /**
   * For an upload link: the resumable upload it opens (22 base64url characters). signedUpload signs it into the
   * `Location` of a tus creation; apps have no need to. Signed as `upload`.
   */
  upload?: string
  /**
   * How many times the link may be used, counted by the guard's store (docs/revocation-and-limited-use.md says what
   * one use is): a GET link to one file, from 1 to 999999. Refused with `ERR_USES_EXHAUSTED` (410) after. Signed as
   * `uses`.
   */
  uses?: number
}

/** Options of `verify`. */
export interface VerifyOptions {
  /** The request method: `GET` and `HEAD` take a GET link, `PUT` an upload link; no other. Default `'GET'`. */
  method?: string
  /**
   * Folder grants (cookie values from `grant`), checked when the URL itself carries no signature; or a function
   * returning them, called only then.
   */
  grants?: readonly string[] | (() => readonly string[] | undefined)
  /**
   * The client's address (IPv4, or IPv6; IPv4-mapped counts as IPv4), or a function returning it, called only for
   * a link bound to addresses. A bound link is refused without one.
   */
  ip?: string | (() => string | undefined)
}

/** Per-grant options of `grant`: a lifetime (`ttl`) or an absolute expiry (`expiresAt`), not both. */
export type GrantOptions =
  | {
      /** Seconds or `'2h'`. Default: the signer's `ttl`. */ ttl?: Duration
      /** Not with `ttl`. */ expiresAt?: never
    }
  | {
      /** A Date, or Unix time in seconds. */ expiresAt: Date | number
      /** Not with `expiresAt`. */ ttl?: never
    }

/** A folder grant to put in a cookie: its value, the folder it covers, and how long it lives. */
export interface Grant {
  /** The cookie's value: the folder, expiry and key id, signed. */ value: string
  /** The folder, decoded, without its leading `/`, ending in `/`. */
  folder: string
  /** Unix seconds. */
  expiresAt: number
  /** Seconds until it expires: the cookie's Max-Age. */
  maxAge: number
}

/** What `verify` found: the signed path and expiry, or the reason for refusal. */
export type VerifyResult =
  | {
      /** The link is good. */ ok: true
      /** Decoded path without its leading `/`. */ path: string
      /** Unix seconds. */ expiresAt: number
      /** Seconds until it expires (rounded down). */ secondsLeft: number
      /** For a folder grant, the folder it covers (ending in `/`). */ folder?: string
      /** The id of the key that signed it, when the link names one. */ kid?: string
      /** When the link started to work (Unix seconds), if it says. */ notBefore?: number
      /** The addresses and ranges it is bound to (canonical text, `,` between them), if any. */ ip?: string
      /** How it is to be served: `attachment` or `inline`, when the link says. */ disposition?: Disposition
      /** The download name, when the link names one. */ filename?: string
      /** `'put'` for an upload link. */ method?: 'put'
      /** An upload link's byte cap, if it has one. */ maxBytes?: number
      /** An upload link's media types (lower case, `,` between them), if it names them. */ contentType?: string
      /** An upload link's base64url SHA-256 of the content, if it names one. */ sha256?: string
      /** The resumable upload an upload link opens, on the links signedUpload answers tus creations with. */
      upload?: string
      /** When the link was made (Unix seconds), if the signer stamped it. */ issued?: number
      /** How many uses the link allows, if it is limited. */ uses?: number
      /**
       * The signature it carries (checked): what a store keys revocations and use counts by. Not enumerable, so a
       * JSON dump of the result never shows it.
       */
      readonly signature: string
    }
  | Refusal

/** The signer's option names: the guards and signUrls accept these beside their own. */
export const SIGNER_OPTIONS: ReadonlySet<string> = new Set([
  'key',
  'keys',
  'ttl',
  'maxTtl',
  'clockTolerance',
  'stableFor',
  'baseUrl',
  'now',
  'stampIssued',
] satisfies Array<keyof SignerOptions>)
