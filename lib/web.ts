// The Web Crypto entry point, `express-signed-url/web`: no `node:` imports and no Express, for edge runtimes,
// server actions, workers and browsers. Same options and same links as `createSigner`.

export { SignedUrlError } from './util/errors.js'
export type { SignedUrlErrorCode } from './util/errors.js'
export { parseKeyList } from './crypto/keys.js'
export { grantsFromCookies } from './link/grant-cookie.js'
export { requestMediaType } from './link/media-types.js'
export type { IdentifiedSecret, Secret } from './crypto/keys.js'
export type { Duration } from './util/option-checks.js'
export { createWebSigner } from './signer/web-signer.js'
// For an engine that keeps its own copy of the app's revocations (the Worker example).
export { decodeRevocation, encodeRevocation, folderRevocation, linkRevocation } from './store/revocation.js'
export { RevocationSet } from './store/revocation-set.js'
export type { Revocation } from './store/revocation.js'
export type { RevokeFolderOptions, StoredLink } from './store/link-store.js'
export { emptyBudget, keptOf, renewUse, TAIL_BYTES, takeUse, useCost } from './store/use-budget.js'
export { settleUse } from './store/settle-use.js'
export type { UseAnswer, UseAsk, UseBudget } from './store/use-budget.js'
export type { WebSigner } from './signer/web-signer.js'
export type {
  Grant,
  GrantOptions,
  KeyOptions,
  SignerOptions,
  SignOptions,
  VerifyOptions,
  VerifyResult,
} from './signer/signer-options.js'
