'use strict'
// What every template example shares: a signer, res.locals.signUrl for the views, the guarded private/ folder,
// and a starter that reads PORT and SIGNING_KEY. Each engine's file (app.js for EJS, pug.js, handlebars.js,
// nunjucks.js) adds only its view engine.
const { randomBytes } = require('node:crypto')
const http = require('node:http')
const path = require('node:path')
const express = require('express')
const {
  createMemoryStore,
  createRedisStore,
  createSigner,
  parseKeyList,
  signedStatic,
  signUrls,
} = require('express-signed-url')
const { mountDownloads } = require('./downloads')
const { mountUploads } = require('./uploads')

/**
 * An Express app whose page `/` is rendered from the view `index` with `signUrl`, `expiredLink` and `editedLink`
 * in its locals. `key` is the signing secret (at least 32 bytes), or `keys` newest first to rotate; `now` is a
 * clock in milliseconds; `stableFor` the window in which links stay the same (default 5 minutes, 0 for none);
 * `uploads` the folder the upload page stores files in (default examples/uploads/, which git ignores); `store` the
 * store of revocations and limited-use counts (default: Redis at REDIS_URL when set, else in memory).
 */
function createSignedFilesApp({
  key,
  keys,
  now = Date.now,
  stableFor = '5m',
  uploads = path.join(__dirname, 'uploads'),
  store = process.env.REDIS_URL ? createRedisStore({ url: process.env.REDIS_URL }) : createMemoryStore({ now }),
}) {
  const secrets = keys === undefined ? { key } : { keys }
  // Links made within one five-minute window are identical, so a browser shows the page's images from its cache
  // on every visit in that window; each lives ten to fifteen minutes.
  const signer = createSigner({ ...secrets, ttl: '10m', stableFor, now })
  // The same keys with a clock an hour behind: its links are already expired, so the page can show a refusal.
  const pastSigner = createSigner({ ...secrets, now: () => now() - 3_600_000 })

  const app = express()
  app.use(signUrls(signer))
  app.use(
    '/private',
    signedStatic(path.join(__dirname, 'private'), {
      signer,
      store,
      // Downloads arrive as attachments with their own name (res.attachment quotes and encodes any file name).
      setHeaders(res, file) {
        if (file.endsWith('.pdf')) res.attachment(path.basename(file))
      },
    }),
  )
  mountPageAssets(app)
  mountUploads(app, signer, uploads)
  mountDownloads(app, signer, store)
  app.get('/', (_req, res) => {
    const image = res.locals.signUrl('private/image.png')
    res.render('index', {
      expiredLink: pastSigner.sign('private/image.png', { ttl: 60 }),
      // The same link with its expiry pushed a day later: the signature no longer matches.
      editedLink: image.replace(/expiry=(\d+)/, (_m, expiry) => `expiry=${Number(expiry) + 86_400}`),
    })
  })
  // Errors as a short text, never Express's development page with its stack (a JSON body that does not parse is
  // a 400 said plainly); the server's own (500) are logged.
  app.use((err, _req, res, _next) => {
    const status = Number.isInteger(err?.status) && err.status >= 400 && err.status < 600 ? err.status : 500
    if (status >= 500) console.error(err)
    res.status(status).set('Cache-Control', 'no-store').type('text/plain').send(`${http.STATUS_CODES[status]}\n`)
  })
  return app
}

/**
 * Adds to `app` what the example's pages link: the style the upload and download pages share, and the icon, also at
 * /favicon.ico, which a browser asks for on its own (showing an image or a refusal by itself, for one).
 */
function mountPageAssets(app) {
  app.get('/example.css', (_req, res) => res.sendFile(path.join(__dirname, 'public', 'example.css')))
  app.get('/favicon.svg', (_req, res) => res.sendFile(path.join(__dirname, 'public', 'favicon.svg')))
  app.get('/favicon.ico', (_req, res) => res.redirect(301, '/favicon.svg'))
}

/**
 * Starts an example on PORT (default 3000) with SIGNING_KEY (one secret), or SIGNING_KEYS (comma-separated, newest
 * first, each `secret` or `id:secret`, to rotate across several processes), or a generated development key and a
 * warning.
 */
function start(createApp, engine) {
  let secrets
  if (process.env.SIGNING_KEYS) {
    if (process.env.SIGNING_KEY) {
      console.error('Cannot start: set SIGNING_KEY or SIGNING_KEYS, not both')
      process.exit(1)
    }
    secrets = { keys: process.env.SIGNING_KEYS }
  } else if (process.env.SIGNING_KEY) {
    secrets = { key: process.env.SIGNING_KEY }
  } else {
    secrets = { key: randomBytes(32).toString('base64url') }
    console.warn('SIGNING_KEY is not set: using a random development key. Links stop working when the server restarts.')
    console.warn('In production set SIGNING_KEY to a secret of at least 32 bytes, e.g. `openssl rand -base64 32`.')
  }
  let app
  try {
    // The same grammar as the nginx and Worker examples: `secret` or `id:secret`, comma-separated, newest first.
    if (secrets.keys !== undefined) secrets = { keys: parseKeyList(secrets.keys, 'SIGNING_KEYS') }
    app = createApp(secrets)
  } catch (err) {
    console.error(`Cannot start: ${err.message}`)
    process.exit(1)
  }
  const port = Number(process.env.PORT ?? 3000)
  // localhost unless HOST says otherwise: an example with a development key has no business on every interface.
  const host = process.env.HOST || 'localhost'
  const server = app.listen(port, host, () => {
    const shown = host.includes(':') ? `[${host}]` : host
    console.log(`express-signed-url example (${engine}) on http://${shown}:${server.address().port}`)
  })
  server.on('error', (err) => {
    console.error(`Cannot start: ${err.message}`)
    process.exit(1)
  })
}

module.exports = { createSignedFilesApp, mountPageAssets, start }
