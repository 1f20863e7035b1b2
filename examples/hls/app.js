'use strict'
// HLS video behind one folder grant: the page grants this browser the video's folder with a cookie, and the
// player then loads the playlist and every segment by plain relative URLs, none of which carry a signature.
// `node examples/hls/app.js` (after `npm run build`), then open http://localhost:3000.
const path = require('node:path')
const express = require('express')
const { createSigner, signedStatic, signUrls } = require('express-signed-url')
const { mountPageAssets, start } = require('../common')

const VIDEO = 'private/videos/demo/'
// The grant must outlive playback: the video's length, plus time for pauses and seeking. A grant that expires
// mid-play makes the next segment (or Range request) fail with 403; re-grant from the page before that if
// videos are long.
const GRANT_TTL = '2h'

/** The example app; `key` is the signing secret, `now` a clock in milliseconds (tests inject one). */
function createApp({ key, keys, now = Date.now }) {
  const signer = createSigner({ ...(keys === undefined ? { key } : { keys }), now, maxTtl: '1d' })
  const app = express()
  app.use(signUrls(signer))
  app.use('/private', signedStatic(path.join(__dirname, 'private'), { signer }))
  // The player library, served from the package that ships it (a devDependency of this repository).
  app.get('/vendor/hls.min.js', (_req, res) => res.sendFile(require.resolve('hls.js/dist/hls.min.js')))
  mountPageAssets(app)

  app.get('/', (_req, res) => {
    // Check here that the visitor may watch this video (session, purchase, ...), then grant its folder.
    const grant = res.locals.grantAccess(VIDEO, { ttl: GRANT_TTL })
    res.type('html').send(page(`/${VIDEO}index.m3u8`, grant.expiresAt))
  })
  return app
}

function page(playlist, expiresAt) {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>HLS through a folder grant</title><link rel="icon" href="/favicon.svg" type="image/svg+xml">
<style>body { font: 16px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; }</style></head>
<body>
  <h1>HLS through a folder grant</h1>
  <p>This page set a cookie granting <code>/${VIDEO}</code> until ${new Date(expiresAt * 1000).toISOString()}.
  The playlist and its segments load by plain URLs: <a href="${playlist}">${playlist}</a>.</p>
  <video id="video" width="320" height="180" controls muted playsinline></video>
  <script src="/vendor/hls.min.js"></script>
  <script>
    const video = document.getElementById('video')
    const playlist = ${JSON.stringify(playlist)}
    if (window.Hls && Hls.isSupported()) {
      const hls = new Hls()
      hls.on(Hls.Events.ERROR, (_e, data) => { if (data.fatal) document.title = 'error: ' + data.details })
      hls.loadSource(playlist)
      hls.attachMedia(video)
    } else {
      video.src = playlist // Safari and others with native HLS
    }
    video.addEventListener('playing', () => { document.body.dataset.playing = 'yes' })
    video.play().catch(() => {})
  </script>
</body>
</html>`
}

module.exports = { createApp, VIDEO }
if (require.main === module) start(createApp, 'HLS')
