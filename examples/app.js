'use strict'
// A complete app: pages print signed links with res.locals.signUrl, and private/ is served only to them.
// Run it with `npm start` (or `node examples/app.js` after `npm run build`); copy it into your own app as is.
const { randomBytes } = require('node:crypto')
const path = require('node:path')
const express = require('express')
const { createSigner, signedStatic, signUrls } = require('express-signed-url')

/**
 * Builds the example app. `key` is the signing secret (at least 32 bytes); `now` is a clock in milliseconds
 * (tests inject one).
 */
function createApp({ key, now = Date.now }) {
  const signer = createSigner({ key, ttl: '10m', now })
  // The same key with a clock an hour behind: its links are already expired, so the page can show a refusal.
  const pastSigner = createSigner({ key, now: () => now() - 3_600_000 })

  const app = express()
  app.set('view engine', 'ejs')
  app.set('views', path.join(__dirname, 'views'))
  app.use(signUrls(signer))
  app.use('/private', signedStatic(path.join(__dirname, 'private'), { signer }))

  app.get('/', (_req, res) => {
    const image = res.locals.signUrl('private/image.png')
    res.render('index', {
      expiredLink: pastSigner.sign('private/image.png', { ttl: 60 }),
      // The same link with its expiry pushed a day later: the signature no longer matches.
      editedLink: image.replace(/expiry=(\d+)/, (_m, expiry) => `expiry=${Number(expiry) + 86_400}`),
    })
  })
  return app
}

module.exports = { createApp }

if (require.main === module) {
  let key = process.env.SIGNING_KEY
  if (!key) {
    key = randomBytes(32).toString('base64url')
    console.warn('SIGNING_KEY is not set: using a random development key. Links stop working when the server restarts.')
    console.warn('In production set SIGNING_KEY to a secret of at least 32 bytes, e.g. `openssl rand -base64 32`.')
  }
  let app
  try {
    app = createApp({ key })
  } catch (err) {
    console.error(`Cannot start: ${err.message}`)
    process.exit(1)
  }
  const port = Number(process.env.PORT ?? 3000)
  const server = app.listen(port, () => {
    console.log(`express-signed-url example on http://localhost:${server.address().port}`)
  })
}
