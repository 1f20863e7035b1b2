import os from 'node:os'
import { createSigner, signedUpload } from 'express-signed-url'
import { KEY, now } from '../support/helpers'

// signedUpload's options as it reads them (readSignedUploadOptions), before any request.
const signer = createSigner({ key: KEY, now })

describe('signedUpload', () => {
  it.each([
    [{ maxBytes: 0 }, /"maxBytes" must be a positive whole number/],
    [{}, /"maxBytes" must be a positive whole number/],
    [{ maxBytes: 10, contentTypes: [] }, /"contentTypes" must be a non-empty list/],
    [{ maxBytes: 10, contentTypes: ['png'] }, /"contentTypes" must be a non-empty list/],
    [{ maxBytes: 10, overwrite: 'yes' }, /"overwrite" must be a boolean/],
    [{ maxBytes: 10, timeout: '1.5s' }, /"timeout" must be/],
    [{ maxBytes: 10, onUpload: 5 }, /"onUpload" must be a function/],
    [{ maxBytes: 10, maxbytes: 5 }, /unknown option "maxbytes". Did you mean "maxBytes"\?/],
  ])('throws a TypeError naming the option for %j', (options, message) => {
    expect(() => signedUpload(os.tmpdir(), { signer, ...options } as never)).toThrow(TypeError)
    expect(() => signedUpload(os.tmpdir(), { signer, ...options } as never)).toThrow(message)
  })

  it.each([[''], [undefined], [5]])('throws a TypeError naming "root" for %p, before reading any option', (root) => {
    expect(() => signedUpload(root as never, { maxBytes: 0 } as never)).toThrow(
      /^signedUpload: "root" must be a folder path, got /,
    )
  })
})
