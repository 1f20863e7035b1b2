// The Web Crypto entry point, `express-signed-url/web`: no `node:` imports and no Express, for edge runtimes,
// server actions, workers and browsers. Same options and same links as `createSigner`.

export { SignedUrlError } from './errors.js'
export type { SignedUrlErrorCode } from './errors.js'
export { parseKeyList } from './keys.js'
export { grantsFromCookies } from './grant-cookie.js'
export { requestMediaType } from './media-types.js'
export type { IdentifiedSecret, Secret } from './keys.js'
export type { Duration } from './option-checks.js'
export { createWebSigner } from './web-signer.js'
// For an engine that keeps its own copy of the app's revocations (the Worker example).
export { decodeRevocation, encodeRevocation, folderRevocation, linkRevocation, RevocationSet } from './store.js'
export type { Revocation, RevokeFolderOptions, StoredLink } from './store.js'
export { emptyBudget, keptOf, renewUse, settleUse, TAIL_BYTES, takeUse, useCost } from './use-budget.js'
export type { UseAnswer, UseAsk, UseBudget } from './use-budget.js'
export type { WebSigner } from './web-signer.js'
export type {
  Grant,
  GrantOptions,
  KeyOptions,
  SignerOptions,
  SignOptions,
  VerifyOptions,
  VerifyResult,
} from './signer-options.js'
