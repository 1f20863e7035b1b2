// Debian's Chromium for the browser suites, driven by playwright-core (browsers that download themselves cannot be
// fetched here): headless, and quiet, so the network logs the suites read hold only their own requests.
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Launches it; with `media`, a video plays without a user's gesture. */
export function launchChromium(options: { media?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(options.media === true ? ['--autoplay-policy=no-user-gesture-required'] : []),
    ],
  })
}
