// Compile-time type test, checked by `npm run typecheck` (part of `npm test`) against @types/express 5, and by
// types/express4/tsconfig.json against @types/express 4. Each @ts-expect-error fails the build if misuse compiles.
import express from 'express'
import { createSigner, signedStatic, signUrls, type SignUrl, type VerifyResult } from 'express-signed-url'

const key = 'k'.repeat(32)
const app = express()
app.use(signUrls({ key, ttl: '10m' }))
app.use('/private', signedStatic('private', { key, dotfiles: 'ignore', expiredStatus: 410 }))

app.get('/', (_req, res) => {
  const link: string = res.locals.signUrl('private/image.png')
  const fn: SignUrl = res.locals.signUrl
  res.locals.signUrl('private/image.png', { ttl: 600 })
  res.locals.signUrl('private/image.png', { ttl: '10m' })
  res.locals.signUrl('private/image.png', { expiresAt: new Date() })
  // @ts-expect-error ttl and expiresAt exclude each other
  res.locals.signUrl('private/image.png', { ttl: 60, expiresAt: 1 })
  // @ts-expect-error the path is a string
  res.locals.signUrl(42)
  // @ts-expect-error a ttl string needs a unit of s, m, h or d
  res.locals.signUrl('private/image.png', { ttl: '10 minutes' })
  // @ts-expect-error a ttl is whole: what the runtime refuses does not compile
  res.locals.signUrl('private/image.png', { ttl: '1.5h' })
  // @ts-expect-error a ttl is not negative
  res.locals.signUrl('private/image.png', { ttl: '-1h' })
  res.locals.signUrl('private/image.png', { ttl: '100m' })
  res.locals.signUrl('private/report.pdf', {
    ttl: '1h',
    stableFor: '10m',
    notBefore: new Date(),
    ip: ['10.0.0.0/8', '::1'],
    filename: 'Report 2026.pdf',
    disposition: 'inline',
  })
  // @ts-expect-error stableFor rounds a ttl: with expiresAt the link is already stable
  res.locals.signUrl('private/image.png', { expiresAt: 1, stableFor: '10m' })
  // @ts-expect-error disposition is attachment or inline
  res.locals.signUrl('private/report.pdf', { disposition: 'download' })
  // @ts-expect-error a typo is an unknown option (and throws at run time)
  res.locals.signUrl('private/image.png', { tll: 5 })
  // @ts-expect-error ip is a string or a list of strings
  res.locals.signUrl('private/image.png', { ip: 167772160 })
  // @ts-expect-error signUrl returns a string
  const n: number = res.locals.signUrl('private/image.png')
  res.send(`${link} ${fn.name} ${n}`)
})

// @ts-expect-error a key or keys is required
createSigner({ ttl: 60 })
// @ts-expect-error key and keys exclude each other
createSigner({ key, keys: [key] })
// @ts-expect-error status is 403 or 404
signedStatic('private', { key, status: 401 })

const result: VerifyResult = createSigner({ key, stableFor: '5m' }).verify('/x', { ip: '203.0.113.7' })
if (result.ok) {
  const seconds: number = result.secondsLeft + result.expiresAt
  const named: string | undefined = result.filename ?? result.ip
  const how: 'attachment' | 'inline' | undefined = result.disposition
  const starts: number | undefined = result.notBefore
  void [seconds, named, how, starts]
} else {
  const code:
    | 'ERR_SIGNATURE_MISSING'
    | 'ERR_SIGNATURE_INVALID'
    | 'ERR_URL_EXPIRED'
    | 'ERR_METHOD_NOT_ALLOWED'
    | 'ERR_PATH_NOT_CANONICAL'
    | 'ERR_URL_NOT_YET_VALID'
    | 'ERR_IP_NOT_ALLOWED'
    | 'ERR_UPLOAD_TOO_LARGE'
    | 'ERR_UPLOAD_TYPE'
    | 'ERR_UPLOAD_EXISTS'
    | 'ERR_UPLOAD_DIGEST'
    | 'ERR_UPLOAD_TIMEOUT'
    | 'ERR_UPLOAD_STORAGE'
    | 'ERR_LINK_REVOKED'
    | 'ERR_USES_EXHAUSTED'
    | 'ERR_USES_BUSY'
    | 'ERR_STORE_UNAVAILABLE'
    | 'ERR_QUERY_MALFORMED'
    | 'ERR_PATH_MISMATCH'
    | 'ERR_TARGET_NOT_CANONICAL' = result.error.code
  void code
}
