'use strict'
// Uploads from another origin: the app's pages on one origin (http://localhost:3000), the files on another
// (http://127.0.0.1:3001, a files host or a CDN name in production). The page is the example's Uppy page; the app
// signs each upload link with the files host's address (`baseUrl`), and the files host answers the browser's
// preflights for the app's origin only (`cors`). Run: `npm run build && node examples/cross-origin.js`.
const { randomBytes } = require('node:crypto')
const path = require('node:path')
const express = require('express')
const { createSigner, signedStatic, signedUpload } = require('express-signed-url')
const { mountPageAssets } = require('./common')

/** The two apps: `pages` for the page's origin, `files` for the files host's, both with one signer's keys. */
function createCrossOriginApps({ key, now = Date.now, pageOrigin, filesOrigin, folder }) {
  const signer = createSigner({ key, now, ttl: '10m', baseUrl: filesOrigin })
  const cors = { origins: [pageOrigin] }

  const files = express()
  files.use('/uploads', signedUpload(folder, { signer, maxBytes: 10_000_000, resumable: true, cors }))
  files.use('/uploads', signedStatic(folder, { signer, cors }))

  const pages = express()
  pages.get('/', (_req, res) => res.redirect('/upload/resumable'))
  mountPageAssets(pages)
  pages.get('/upload/resumable', (_req, res) => res.sendFile(path.join(__dirname, 'public', 'resumable.html')))
  pages.use('/vendor/uppy', express.static(path.join(path.dirname(require.resolve('uppy/package.json')), 'dist')))
  // As in uploads.js: a real app puts this behind its login. The link names the files host, so the page uploads
  // there, across origins.
  pages.post('/upload-link', express.json({ limit: '1kb' }), (req, res) => {
    const { size } = req.body ?? {}
    if (!Number.isSafeInteger(size) || size < 1 || size > 10_000_000)
      return res.status(413).json({ error: 'A file must have 1 to 10000000 bytes' })
    const url = signer.sign(`uploads/${randomBytes(8).toString('hex')}.bin`, {
      method: 'put',
      ttl: '5m',
      maxBytes: size,
    })
    res.set('Cache-Control', 'no-store').json({ url })
  })
  return { pages, files }
}

module.exports = { createCrossOriginApps }

if (require.main === module) {
  const port = Number(process.env.PORT ?? 3000)
  const filesPort = Number(process.env.FILES_PORT ?? port + 1)
  const key = process.env.SIGNING_KEY ?? randomBytes(32).toString('base64url')
  const listen = (app, p, host) =>
    new Promise((resolve) => {
      const server = app.listen(p, host, () => resolve(server.address().port))
    })
  ;(async () => {
    // Two origins on one machine: `localhost` for the pages, `127.0.0.1` for the files (a browser tells them apart).
    const files = express()
    const filesAt = await listen(files, filesPort, '127.0.0.1')
    const pagesApp = express()
    const pagesAt = await listen(pagesApp, port, 'localhost')
    const apps = createCrossOriginApps({
      key,
      pageOrigin: `http://localhost:${pagesAt}`,
      filesOrigin: `http://127.0.0.1:${filesAt}`,
      folder: path.join(__dirname, 'uploads'),
    })
    files.use(apps.files)
    pagesApp.use(apps.pages)
    console.log(`pages on http://localhost:${pagesAt}, files on http://127.0.0.1:${filesAt}`)
  })()
}
