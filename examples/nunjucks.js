'use strict'
// The example with Nunjucks views: `node examples/nunjucks.js` (after `npm run build`). With autoescape on (the
// default), `{{ signUrl('private/image.png') }}` prints `&amp;` between the query parameters.
const path = require('node:path')
const nunjucks = require('nunjucks')
const { createSignedFilesApp, start } = require('./common')

function createApp(options) {
  const app = createSignedFilesApp(options)
  nunjucks.configure(path.join(__dirname, 'views', 'nunjucks'), { autoescape: true, express: app })
  app.set('view engine', 'njk')
  return app
}

module.exports = { createApp }
if (require.main === module) start(createApp, 'Nunjucks')
