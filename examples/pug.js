'use strict'
// The example with Pug views: `node examples/pug.js` (after `npm run build`). Pug escapes attribute values, so
// `img(src=signUrl('private/image.png'))` prints `&amp;` between the query parameters, as HTML requires.
const path = require('node:path')
const { createSignedFilesApp, start } = require('./common')

function createApp(options) {
  const app = createSignedFilesApp(options)
  app.set('view engine', 'pug')
  app.set('views', path.join(__dirname, 'views', 'pug'))
  return app
}

module.exports = { createApp }
if (require.main === module) start(createApp, 'Pug')
