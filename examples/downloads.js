'use strict'
// The example's limited downloads: a link to the report that works three times (a signed `uses` field, counted by
// the guard's store), and a button that takes a link back before it expires (store.revoke). The store is the
// app's: in memory for one process, or Redis (REDIS_URL) when several processes serve the same links.
const path = require('node:path')
const express = require('express')

/** Adds to `app` the page /downloads, POST /download-link (a 3-download link) and POST /revoke (`{ url }`). */
function mountDownloads(app, signer, store) {
  app.get('/downloads', (_req, res) => res.sendFile(path.join(__dirname, 'public', 'downloads.html')))
  // A real app puts these behind its login: a purchase makes the link, its owner (or support) takes it back.
  app.post('/download-link', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ url: signer.sign('private/report.pdf', { uses: 3, ttl: '1h' }) })
  })
  app.post('/revoke', express.json({ limit: '2kb' }), (req, res) => {
    const url = req.body?.url
    if (typeof url !== 'string') return res.status(400).json({ error: 'Send { "url": "<the link>" }' })
    store.revoke(url).then(
      () => res.status(204).end(),
      (err) =>
        err instanceof TypeError
          ? res.status(400).json({ error: 'Not a signed link' })
          : res.status(503).json({ error: 'The store cannot be reached: try again' }),
    )
  })
}

module.exports = { mountDownloads }
