'use strict'
// The example with Handlebars views (express-handlebars): `node examples/handlebars.js` (after `npm run build`).
// Handlebars calls helpers, not functions in the context, so signUrl is registered as a helper that uses the
// request's res.locals.signUrl: `{{signUrl "private/image.png"}}`, `{{signUrl "private/report.pdf" ttl="5m"}}`.
const path = require('node:path')
const { engine } = require('express-handlebars')
const { createSignedFilesApp, start } = require('./common')

function createApp(options) {
  const app = createSignedFilesApp(options)
  app.engine(
    'handlebars',
    engine({
      defaultLayout: false,
      helpers: {
        signUrl: (file, helper) => helper.data.root.signUrl(file, helper.hash),
      },
    }),
  )
  app.set('view engine', 'handlebars')
  app.set('views', path.join(__dirname, 'views', 'handlebars'))
  return app
}

module.exports = { createApp }
if (require.main === module) start(createApp, 'Handlebars')
