'use strict'
// The example `npm start` runs, with EJS views: pages print signed links with res.locals.signUrl, and private/
// is served only to them. Other engines: pug.js, handlebars.js, nunjucks.js beside this file.
const path = require('node:path')
const { createSignedFilesApp, start } = require('./common')

/** The app with EJS views; `key` is the signing secret, `now` a clock in milliseconds (tests inject one). */
function createApp(options) {
  const app = createSignedFilesApp(options)
  app.set('view engine', 'ejs')
  app.set('views', path.join(__dirname, 'views', 'ejs'))
  return app
}

module.exports = { createApp }
if (require.main === module) start(createApp, 'EJS')
