export { createSigner } from './signer.js'
export type { Signer } from './signer.js'
export type {
  Grant,
  GrantOptions,
  KeyOptions,
  SignOptions,
  SignerOptions,
  VerifyOptions,
  VerifyResult,
} from './signer-options.js'
export { signUrls } from './locals.js'
export type { GrantAccess, SignUrl, SignUrlsOptions } from './locals.js'
export { requireSignature, revocationCheck } from './guard.js'
export { respondRefused } from './refusal.js'
export type { GuardOptions, RequireSignatureOptions } from './guard.js'
export type { Middleware, RejectHandler, VerifiedLink } from './middleware.js'
export { signedStatic } from './signed-static.js'
export type { SignedStaticOptions } from './signed-static.js'
export { signedUpload } from './signed-upload.js'
export type { SignedUploadOptions, Upload } from './signed-upload.js'
export { SignedUrlError } from './errors.js'
export type { SignedUrlErrorCode } from './errors.js'
export { parseKeyList } from './keys.js'
export { grantsFromCookies } from './grant-cookie.js'
export { requestMediaType } from './media-types.js'
export { createMemoryStore } from './store.js'
export { createRedisStore } from './redis-store.js'
export type {
  RedisClientLike,
  RedisClusterClientLike,
  RedisSentinelClientLike,
  RedisStandaloneClientLike,
  RedisStoreOptions,
} from './redis-store.js'
export type { LinkStore, MemoryStoreOptions, RevokeFolderOptions, StoredLink } from './store.js'
export type { UseAnswer, UseAsk } from './use-budget.js'
export type { IdentifiedSecret, KeyObjectLike, Secret } from './keys.js'
export type { Duration } from './option-checks.js'
