import type { IncomingMessage, ServerResponse } from 'node:http'
import request from 'supertest'
import { readCors, type CorsRules } from '../../lib/http/cors'

const RULES: CorsRules = {
  methods: ['PUT', 'POST'],
  headers: ['Content-Type', 'Upload-Length'],
  exposed: ['Location', 'Upload-Offset'],
}
const APP = 'https://app.example'

/** A server whose handler runs the check first, then answers 200 with what it saw. */
function serve(options: unknown) {
  const cors = readCors('signedUpload', options, RULES)
  if (cors === undefined) throw new Error('no check')
  return (req: IncomingMessage, res: ServerResponse) => {
    if (cors(req, res)) return
    res.setHeader('X-Handled', req.method ?? '')
    res.end('handled')
  }
}

describe('readCors()', () => {
  it('is undefined without the option', () => {
    expect(readCors('signedStatic', undefined, RULES)).toBeUndefined()
  })

  it.each([
    [null, /options must be an object/],
    ['https://app.example', /options must be an object/],
    [{}, /needs "origins"/],
    [{ origins: [] }, /needs "origins"/],
    [{ origins: 'https://app.example' }, /needs "origins"/],
    [{ origins: [APP], origin: [APP] }, /unknown option "origin"/],
    [{ origins: [APP], credentials: 'yes' }, /"credentials" must be a boolean/],
    [{ origins: ['*', APP] }, /'\*' stands alone/],
    [{ origins: ['*'], credentials: true }, /'\*' cannot go with "credentials"/],
    [{ origins: [42] }, /each origin must be a string/],
    [{ origins: ['app.example'] }, /not an http or https origin/],
    [{ origins: ['ftp://app.example'] }, /not an http or https origin/],
    [{ origins: ['null'] }, /not an http or https origin/],
    [{ origins: ['https://app.example/'] }, /as a browser sends it: "https:\/\/app.example"/],
    [{ origins: ['https://App.Example'] }, /as a browser sends it: "https:\/\/app.example"/],
    [{ origins: ['https://app.example:443'] }, /as a browser sends it: "https:\/\/app.example"/],
    [{ origins: ['https://app.example/upload'] }, /as a browser sends it/],
    [{ origins: [APP], maxAge: -1 }, /"maxAge" must be whole seconds/],
    [{ origins: [APP], maxAge: '10 minutes' }, /"maxAge" must be whole seconds/],
  ])('refuses %p at construction with a TypeError naming the option', (options, message) => {
    expect(() => readCors('signedUpload', options, RULES)).toThrow(TypeError)
    expect(() => readCors('signedUpload', options, RULES)).toThrow(message)
  })

  it('keeps a port other than the default and an IPv6 host', () => {
    expect(readCors('signedUpload', { origins: ['http://localhost:5173', 'http://[::1]:8080'] }, RULES)).toBeInstanceOf(
      Function,
    )
  })
})

describe('a preflight', () => {
  it('from a listed origin for one of the methods: 204 with the methods, headers and max-age', async () => {
    const res = await request(serve({ origins: [APP, 'https://other.example'] }))
      .options('/files/a.bin?expiry=1&method=put&signature=x')
      .set('Origin', APP)
      .set('Access-Control-Request-Method', 'PUT')
      .set('Access-Control-Request-Headers', 'content-type')
    expect(res.status).toBe(204)
    expect(res.headers['access-control-allow-origin']).toBe(APP)
    expect(res.headers['access-control-allow-methods']).toBe('PUT, POST')
    expect(res.headers['access-control-allow-headers']).toBe('Content-Type, Upload-Length')
    expect(res.headers['access-control-max-age']).toBe('600')
    expect(res.headers['access-control-allow-credentials']).toBeUndefined()
    expect(res.headers.vary).toBe('Origin, Access-Control-Request-Method, Access-Control-Request-Headers')
    expect(res.headers['x-handled']).toBeUndefined()
  })

  it('from an origin not listed: 403 and no Allow-Origin, whatever it claims', async () => {
    for (const origin of ['https://evil.example', 'https://app.example.evil', 'null', 'https://APP.example', '*']) {
      const res = await request(serve({ origins: [APP] }))
        .options('/files/a.bin')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'PUT')
      expect(res.status).toBe(403)
      expect(res.headers['access-control-allow-origin']).toBeUndefined()
      expect(res.headers['access-control-allow-methods']).toBeUndefined()
      expect(res.headers.vary).toContain('Origin')
    }
  })

  it('for a method the middleware does not handle goes on to the next one, untouched', async () => {
    const res = await request(serve({ origins: [APP] }))
      .options('/files/a.bin')
      .set('Origin', APP)
      .set('Access-Control-Request-Method', 'GET')
    expect(res.headers['x-handled']).toBe('OPTIONS')
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
    expect(res.headers.vary).toBeUndefined()
  })

  it('with credentials: Allow-Credentials and the exact origin, never *', async () => {
    const res = await request(serve({ origins: [APP], credentials: true, maxAge: 60 }))
      .options('/files/a.bin')
      .set('Origin', APP)
      .set('Access-Control-Request-Method', 'POST')
    expect(res.status).toBe(204)
    expect(res.headers['access-control-allow-origin']).toBe(APP)
    expect(res.headers['access-control-allow-credentials']).toBe('true')
    expect(res.headers['access-control-max-age']).toBe('60')
  })

  it("with '*': any origin gets *, without credentials", async () => {
    const res = await request(serve({ origins: ['*'] }))
      .options('/files/a.bin')
      .set('Origin', 'https://anyone.example')
      .set('Access-Control-Request-Method', 'PUT')
    expect(res.status).toBe(204)
    expect(res.headers['access-control-allow-origin']).toBe('*')
    expect(res.headers['access-control-allow-credentials']).toBeUndefined()
  })

  it('an OPTIONS that is no preflight (no Request-Method) goes on', async () => {
    const res = await request(serve({ origins: [APP] }))
      .options('/files/a.bin')
      .set('Origin', APP)
    expect(res.headers['x-handled']).toBe('OPTIONS')
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
  })
})

describe('an actual request', () => {
  it('from a listed origin goes on with Allow-Origin, the exposed headers and Vary', async () => {
    const res = await request(serve({ origins: [APP] }))
      .put('/files/a.bin')
      .set('Origin', APP)
      .send('x')
    expect(res.headers['x-handled']).toBe('PUT')
    expect(res.headers['access-control-allow-origin']).toBe(APP)
    expect(res.headers['access-control-expose-headers']).toBe('Location, Upload-Offset')
    expect(res.headers.vary).toBe('Origin')
  })

  it('from another origin goes on with no Allow-Origin (the browser hides the answer)', async () => {
    const res = await request(serve({ origins: [APP] }))
      .put('/files/a.bin')
      .set('Origin', 'https://evil.example')
      .send('x')
    expect(res.headers['x-handled']).toBe('PUT')
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
    expect(res.headers['access-control-expose-headers']).toBeUndefined()
    expect(res.headers.vary).toBe('Origin')
  })

  it('without Origin, or of another method, gets no CORS headers', async () => {
    const app = serve({ origins: [APP] })
    const same = await request(app).put('/files/a.bin').send('x')
    const other = await request(app).get('/files/a.bin').set('Origin', APP)
    for (const res of [same, other]) {
      expect(res.headers['access-control-allow-origin']).toBeUndefined()
      expect(res.headers.vary).toBeUndefined()
    }
  })

  it('adds Origin to a Vary already there once', async () => {
    const cors = readCors('signedUpload', { origins: [APP] }, RULES)
    const app = (req: IncomingMessage, res: ServerResponse) => {
      res.setHeader('Vary', 'Accept-Encoding')
      cors?.(req, res)
      cors?.(req, res)
      res.end()
    }
    const res = await request(app).put('/a').set('Origin', APP).send('x')
    expect(res.headers.vary).toBe('Accept-Encoding, Origin')
  })
})

describe('a method claimed only with a header (tus: Tus-Resumable)', () => {
  const TUS: CorsRules = { ...RULES, methods: ['PUT', 'HEAD'], claims: { HEAD: 'tus-resumable' } }
  const app = () => {
    const cors = readCors('signedUpload', { origins: [APP] }, TUS)!
    return (req: IncomingMessage, res: ServerResponse) => {
      if (cors(req, res)) return
      res.setHeader('X-Handled', req.method ?? '')
      res.end()
    }
  }

  it("answers a preflight that asks for the header, and passes on one that does not (another guard's)", async () => {
    const tus = await request(app())
      .options('/a')
      .set('Origin', APP)
      .set('Access-Control-Request-Method', 'HEAD')
      .set('Access-Control-Request-Headers', 'Tus-Resumable, upload-offset')
    expect([tus.status, tus.headers['access-control-allow-origin']]).toEqual([204, APP])
    const read = await request(app())
      .options('/a')
      .set('Origin', APP)
      .set('Access-Control-Request-Method', 'HEAD')
      .set('Access-Control-Request-Headers', 'range')
    expect([read.headers['x-handled'], read.headers['access-control-allow-origin']]).toEqual(['OPTIONS', undefined])
  })

  it('marks a request carrying the header, and leaves one without it alone', async () => {
    const tus = await request(app()).head('/a').set('Origin', APP).set('Tus-Resumable', '1.0.0')
    expect(tus.headers['access-control-allow-origin']).toBe(APP)
    const read = await request(app()).head('/a').set('Origin', APP)
    expect(read.headers['access-control-allow-origin']).toBeUndefined()
  })
})
