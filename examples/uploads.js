'use strict'
// The example's upload page: the browser asks the app for an upload link (method=put) for one file, PUTs the file
// straight to that link, and gets back a signed get link to show it. The folder is guarded both ways on one mount:
// signedUpload takes PUTs with upload links, signedStatic serves GETs with get links.
const { randomBytes } = require('node:crypto')
const path = require('node:path')
const express = require('express')
const { signedStatic, signedUpload } = require('express-signed-url')

// What the page may upload, by the extension the stored file gets. The app names the file, never the browser.
const TYPES = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
}
const MAX_BYTES = 10_000_000
// @tus/server is an ES module that Node 20.19 and later require() (process.features says so); on an older Node, or
// under a test runner that cannot load ES modules (jest), the Uppy page says it is off.
const RESUMABLE = process.features.require_module === true

/**
 * Adds to `app` the page /upload, the route that hands out upload links (POST /upload-link with JSON
 * `{ type, size }`), and the folder `folder` under /uploads, through `signer`.
 */
function mountUploads(app, signer, folder) {
  const uploads = signedUpload(folder, {
    signer,
    maxBytes: MAX_BYTES,
    contentTypes: Object.keys(TYPES),
    // Every upload link is also a tus endpoint (the Uppy page), where this Node can load @tus/server.
    resumable: RESUMABLE,
    // The answer tells the page where to see what it uploaded: a get link for the file just stored.
    onUpload(upload, _req, res) {
      res
        .status(201)
        .set('Cache-Control', 'no-store')
        .json({ ...upload, url: signer.sign(upload.path) })
    },
  })
  // What visitors upload is served as a file, never as a page that runs in this origin: a sandbox CSP on top of
  // signedStatic's nosniff (an <img> of it still shows).
  const sandbox = (res) => res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'")
  app.use('/uploads', uploads, signedStatic(folder, { signer, setHeaders: sandbox }))
  app.get('/upload', (_req, res) => res.sendFile(path.join(__dirname, 'public', 'upload.html')))
  // The same uploads with Uppy (Dashboard + Tus), resumable; Uppy's prebuilt bundle from its package.
  app.get('/upload/resumable', (_req, res) =>
    RESUMABLE
      ? res.sendFile(path.join(__dirname, 'public', 'resumable.html'))
      : res.status(501).type('text').send('Resumable uploads need Node 20.19 or later (to load @tus/server).\n'),
  )
  app.use('/vendor/uppy', express.static(path.join(path.dirname(require.resolve('uppy/package.json')), 'dist')))
  // A real app puts this route behind its login: whoever may call it may upload. Only a JSON body is read (a form
  // on another site cannot send one without the browser asking first), and the link is for this one file: its
  // type and its size (the most bytes it may have) are signed into it, and it works for five minutes.
  app.post('/upload-link', express.json({ limit: '1kb' }), (req, res) => {
    const { type, size } = req.body ?? {}
    // A string, and one of the list: JSON may send an array (`[["image/png"]]` reads as "image/png" as a key) or an
    // object whose toString is not a function.
    if (typeof type !== 'string' || !Object.hasOwn(TYPES, type))
      return res.status(415).json({ error: `Cannot upload ${typeof type === 'string' ? type : 'such'} files` })
    if (!Number.isSafeInteger(size) || size < 1 || size > MAX_BYTES)
      return res.status(413).json({ error: `A file must have 1 to ${MAX_BYTES} bytes` })
    const file = `uploads/${randomBytes(8).toString('hex')}.${TYPES[type]}`
    const url = signer.sign(file, { method: 'put', ttl: '5m', maxBytes: size, contentType: type })
    res.set('Cache-Control', 'no-store').json({ url })
  })
}

module.exports = { mountUploads }
