'use strict'
// A folder behind signedUpload with `resumable` on (then signedStatic), run as its own Node process by the suites
// that drive tus clients (__tests__/e2e/resumable.test.ts, the browser's upload suite): @tus/server is an ES
// module that Node requires but jest's module runtime cannot, and a real process can be killed mid-upload. It loads
// the built package (npm test builds first), listens on PORT (0 for a free one) and prints `port <n>` once
// `ready` (the sweep at start) has resolved, with how many it swept: `port <n> swept <k>`.
//
// Environment: ROOT (the folder), PARTIAL (where partial uploads wait), KEY, NOW_MS (the clock, fixed), MAX_BYTES,
// OVERWRITE ('1'), CONTENT_TYPES (',' between), CORS (origins, ',' between), PORT.
const path = require('node:path')
const express = require('express')
const { createMemoryStore, createSigner, signedStatic, signedUpload } = require(
  path.join(__dirname, '..', '..', 'dist', 'index.js'),
)

const env = process.env
const now = env.NOW_MS === undefined ? Date.now : () => Number(env.NOW_MS)
const cors = env.CORS === undefined ? undefined : { origins: env.CORS.split(',') }
const signer = createSigner({ key: env.KEY, now })
const store = createMemoryStore({ now })
const uploads = signedUpload(env.ROOT, {
  key: env.KEY,
  now,
  store,
  // A single PUT's answer carries a signed get link to what landed, absolute, in `url` (Uppy's XHRUpload reads it)
  // and in Location (readable across origins).
  onUpload(upload, req, res) {
    const url = `http://${req.headers.host}${signer.sign(upload.path)}`
    res.statusCode = 201
    res.setHeader('Location', url)
    res.setHeader('Content-Type', 'application/json')
    res.end(JSON.stringify({ ...upload, url }))
  },
  maxBytes: Number(env.MAX_BYTES ?? 50e6),
  overwrite: env.OVERWRITE === '1',
  ...(env.CONTENT_TYPES === undefined ? {} : { contentTypes: env.CONTENT_TYPES.split(',') }),
  ...(cors === undefined ? {} : { cors }),
  resumable: { folder: env.PARTIAL },
})
const app = express()
app.use('/files', uploads)
// An app's own route under the same mount: a POST without Tus-Resumable is its, not signedUpload's.
app.post('/files/comments', (_req, res) => res.status(200).send("the app's route\n"))
app.use('/files', signedStatic(env.ROOT, { key: env.KEY, now, store, ...(cors === undefined ? {} : { cors }) }))
// The app taking links back: POST /_revoke with the link, or /_revoke-folder with the folder, as text.
app.post('/_revoke', express.text(), (req, res) => store.revoke(req.body).then(() => res.status(204).end()))
app.post('/_revoke-folder', express.text(), (req, res) =>
  store.revokeFolder(req.body).then(() => res.status(204).end()),
)
if (env.PAGE !== undefined) app.use(express.static(env.PAGE))

uploads.ready.then((swept) => {
  const server = app.listen(Number(env.PORT ?? 0), '127.0.0.1', () => {
    process.stdout.write(`port ${server.address().port} swept ${swept}\n`)
  })
})
