import path from 'node:path'
import type { IncomingMessage, ServerResponse } from 'node:http'
import ejs from 'ejs'
import express5 from 'express'
import express4 from 'express4'
import { createSigner, signedStatic, signUrls } from 'express-signed-url'
import { fixture, frameworks, KEY, NOW_MS, now, PRIVATE, send } from '../support/helpers'

const NOW_S = NOW_MS / 1000
const PAGE = `<img src="<%= signUrl('private/image.png') %>"><a href="<%= signUrl('private/docs/report-2026.pdf', { ttl: '5m' }) %>">pdf</a>`

type Res = ServerResponse & { locals: Record<string, unknown> }

describe.each(frameworks)('signUrls() on $name', (fw) => {
  function pageApp(middleware: ReturnType<typeof signUrls>) {
    const app = fw.create()
    app.use(middleware)
    app.use('/private', signedStatic(PRIVATE, { key: KEY, now }))
    app.use('/page', (_req: IncomingMessage, res: ServerResponse) => {
      // The locals are what every template engine reads; render EJS with them directly so Connect is covered too.
      res.setHeader('Content-Type', 'text/html')
      res.end(ejs.render(PAGE, (res as Res).locals))
    })
    return app
  }

  it('puts signUrl on res.locals, and the links it prints are served', async () => {
    const app = pageApp(signUrls({ key: KEY, now }))
    const html = (await send(app, '/page')).body.toString()
    const [image, pdf] = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, '&'))
    expect(image).toBe(createSigner({ key: KEY, now }).sign('private/image.png'))
    expect(pdf).toContain(`expiry=${NOW_S + 300}&`)
    expect((await send(app, image)).body).toEqual(fixture('private/image.png'))
    expect((await send(app, pdf)).body).toEqual(fixture('private/docs/report-2026.pdf'))
  })

  it('takes a signer from createSigner', async () => {
    const signer = createSigner({ key: KEY, now, baseUrl: 'https://files.example.com' })
    const html = (await send(pageApp(signUrls(signer)), '/page')).body.toString()
    expect(html).toContain('src="https://files.example.com/private/image.png?expiry=')
  })

  it('lets a template error surface when a path is not canonical', async () => {
    const app = fw.create()
    app.use(signUrls({ key: KEY, now }))
    app.use((_req: IncomingMessage, res: ServerResponse) =>
      res.end(ejs.render(`<%= signUrl('../secret') %>`, (res as Res).locals)),
    )
    app.use((err: Error, _req: IncomingMessage, res: ServerResponse, _next: unknown) => {
      res.statusCode = 500
      res.end(err.message)
    })
    const res = await send(app, '/')
    expect(res.status).toBe(500)
    expect(res.body.toString()).toMatch(/not canonical/)
  })
})

describe.each([
  ['Express 4', express4],
  ['Express 5', express5],
])('signUrls() with res.render on %s', (_name, express) => {
  it('renders a real EJS view with signUrl', async () => {
    const app = express()
    app.set('view engine', 'ejs')
    app.set('views', `${path.join(__dirname, '..')}/fixtures/views`)
    app.use(signUrls({ key: KEY, now }))
    app.get('/', (_req, res) => res.render('page'))
    const html = (await send(app, '/')).body.toString()
    expect(html).toContain(
      `<img src="${createSigner({ key: KEY, now }).sign('private/image.png').replace(/&/g, '&amp;')}">`,
    )
  })
})
