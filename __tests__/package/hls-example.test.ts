import request from 'supertest'
import { KEY, now, NOW_MS } from '../support/helpers'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createApp } = require('../../examples/hls/app.js') as {
  createApp: (o: { key: string; now?: () => number }) => Parameters<typeof request>[0]
}

describe('examples/hls/app.js', () => {
  const app = createApp({ key: KEY, now })

  it('grants the video folder with one cookie; the playlist and every segment it lists load with it and not without', async () => {
    const page = await request(app).get('/').expect(200)
    const [cookie] = page.headers['set-cookie'] as unknown as string[]
    expect(cookie).toMatch(
      new RegExp(
        `^signed-grant=[\\w-]+\\.${NOW_MS / 1000 + 7200}\\.\\.[\\w-]{43}; Path=/private/videos/demo/; Max-Age=7200; HttpOnly; SameSite=Lax$`,
      ),
    )
    expect(page.text).toContain('/private/videos/demo/index.m3u8')
    const jar = cookie.split(';')[0]

    const playlist = await request(app).get('/private/videos/demo/index.m3u8').set('Cookie', jar).expect(200)
    expect(playlist.headers['content-type']).toMatch(/mpegurl/i)
    const segments = playlist.text.split('\n').filter((line) => line.endsWith('.ts'))
    expect(segments).toEqual(['seg-0.ts', 'seg-1.ts', 'seg-2.ts'])
    for (const segment of segments) {
      const url = `/private/videos/demo/${segment}`
      const served = await request(app)
        .get(url)
        .set('Cookie', jar)
        .buffer(true)
        .parse((res, done) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => done(null, Buffer.concat(chunks)))
        })
      expect([segment, served.status, (served.body as Buffer)[0]]).toEqual([segment, 200, 0x47]) // MPEG-TS sync byte
      expect(served.headers['cache-control']).toBe('private, max-age=7200')
      expect((await request(app).get(url)).status).toBe(403)
    }
    expect((await request(app).get('/private/videos/demo/index.m3u8')).status).toBe(403)
  })

  it('answers a Range request within a segment, as a player seeking does', async () => {
    const jar = ((await request(app).get('/')).headers['set-cookie'] as unknown as string[])[0].split(';')[0]
    const res = await request(app)
      .get('/private/videos/demo/seg-1.ts')
      .set('Cookie', jar)
      .set('Range', 'bytes=0-187')
      .expect(206)
    expect(res.headers['content-range']).toMatch(/^bytes 0-187\/\d+$/)
  })
})
