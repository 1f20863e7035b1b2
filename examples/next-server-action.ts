'use server'
// A Next.js server action (app router) that signs links at request time, never at build time. It needs only
// Web Crypto, so it also runs on the edge runtime. Next.js is not a dependency of this package: copy this file
// into your app (e.g. app/actions/signed-links.ts) and call it from a server component or a form action.
import { createWebSigner } from 'express-signed-url/web'

const key = process.env.SIGNING_KEY
if (!key) throw new Error('SIGNING_KEY is not set')
const signer = createWebSigner({ key, ttl: '10m', baseUrl: process.env.FILES_ORIGIN })

/** Returns a short-lived link to one of the current user's files. */
export async function signedFileUrl(requested: string): Promise<string> {
  // sign() takes 'x' and '/x' alike: check access on the very path that gets signed.
  const path = requested.startsWith('/') ? requested.slice(1) : requested
  // Check here that the signed-in user may read `path` (session, ownership), then sign.
  return signer.sign(path)
}
