import { CLI_OPTIONS } from '../../lib/cli/cli-args'
import { HELP } from '../../lib/cli/cli-help'

describe('HELP', () => {
  // --help and --version are described by name on their own lines; --key is refused, never offered.
  const documented = Object.keys(CLI_OPTIONS).filter((name) => !['help', 'version', 'key'].includes(name))

  it.each(documented)('documents --%s, which the command line accepts', (name) => {
    expect(HELP).toMatch(new RegExp(`--${name}\\b(?!-)`))
  })

  it('documents no option the command line would refuse as unknown', () => {
    const named = [...HELP.matchAll(/--([a-z0-9-]+)/g)].map((m) => m[1])
    for (const name of named) expect(Object.keys(CLI_OPTIONS)).toContain(name)
  })

  it.each(['sign', 'verify', 'revoke', 'keygen'])('documents the %s command', (command) => {
    expect(HELP).toMatch(new RegExp(`^  ${command} `, 'm'))
  })

  it('names every source of the key and the exit statuses', () => {
    for (const text of ['SIGNING_KEY ', 'SIGNING_KEYS', '--key-file', 'Exit status: 0 done or valid, 1 refused, 2'])
      expect(HELP).toContain(text)
  })
})
