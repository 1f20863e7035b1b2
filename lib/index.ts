export { createSigner } from './signer/signer.js'
export type { Signer } from './signer/signer.js'
export type {
  Grant,
  GrantOptions,
  KeyOptions,
  SignOptions,
  SignerOptions,
  VerifyOptions,
  VerifyResult,
} from './signer/signer-options.js'
export { signUrls } from './http/sign-urls.js'
export type { GrantAccess, SignUrl, SignUrlsOptions } from './http/sign-urls.js'
export { requireSignature } from './http/require-signature.js'
export { revocationCheck } from './http/revocation-check.js'
export { respondRefused } from './http/refusal.js'
export type { GuardOptions } from './http/guard-options.js'
export type { RequireSignatureOptions } from './http/require-signature.js'
export type { Middleware, RejectHandler, VerifiedLink } from './http/middleware.js'
export { signedStatic } from './http/signed-static.js'
export type { SignedStaticOptions } from './http/signed-static.js'
export type { CorsOptions } from './http/cors.js'
export { signedUpload } from './http/signed-upload.js'
export type { SignedUploadOptions, Upload } from './http/signed-upload-options.js'
export { SignedUrlError } from './util/errors.js'
export type { SignedUrlErrorCode } from './util/errors.js'
export { parseKeyList } from './crypto/keys.js'
export { grantsFromCookies } from './link/grant-cookie.js'
export { requestMediaType } from './link/media-types.js'
export { createMemoryStore } from './store/memory-store.js'
export { createRedisStore } from './store/redis-store.js'
export type {
  RedisClientLike,
  RedisClusterClientLike,
  RedisSentinelClientLike,
  RedisStandaloneClientLike,
} from './store/redis-client-like.js'
export type { RedisStoreOptions } from './store/redis-store-options.js'
export type { LinkStore, RevokeFolderOptions, StoredLink } from './store/link-store.js'
export type { MemoryStoreOptions } from './store/memory-store.js'
export type { UseAnswer, UseAsk } from './store/use-budget.js'
export type { IdentifiedSecret, KeyObjectLike, Secret } from './crypto/keys.js'
export type { Duration } from './util/option-checks.js'
