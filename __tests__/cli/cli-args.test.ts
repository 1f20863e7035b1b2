import { CLI_OPTIONS, parseCliArgs } from '../../lib/cli/cli-args'

describe('parseCliArgs()', () => {
  it('splits the command and its target from the options', () => {
    const { values, positionals } = parseCliArgs(['sign', 'private/a.png', '--ttl', '10m', '--base-url', 'https://x'])
    expect(positionals).toEqual(['sign', 'private/a.png'])
    expect(values).toEqual({ ttl: '10m', 'base-url': 'https://x' })
  })

  it('collects repeated --ip and --content-type in order', () => {
    const { values } = parseCliArgs(['sign', 'a', '--ip', '10.0.0.0/8', '--content-type', 'image/png', '--ip', '::1'])
    expect(values.ip).toEqual(['10.0.0.0/8', '::1'])
    expect(values['content-type']).toEqual(['image/png'])
  })

  it('reads -h and -v as --help and --version', () => {
    expect(parseCliArgs(['-h']).values).toEqual({ help: true })
    expect(parseCliArgs(['-v']).values).toEqual({ version: true })
  })

  it('knows --key, so that the command can refuse it with a reason rather than as unknown', () => {
    expect(parseCliArgs(['sign', 'a', '--key', 'secret']).values.key).toBe('secret')
  })

  describe('when the command line is malformed', () => {
    it.each([
      ['an unknown option', ['sign', 'a', '--tll', '1h'], /--tll/],
      ['an option without its value', ['sign', 'a', '--ttl'], /--ttl/],
      ['a value given to a flag', ['--help=yes'], /--help/],
    ])('throws for %s, naming it', (_what, argv, message) => {
      expect(() => parseCliArgs(argv)).toThrow(message)
    })
  })

  it('takes every option as a string except --help and --version', () => {
    const flags = Object.entries(CLI_OPTIONS).filter(([, option]) => option.type === 'boolean')
    expect(flags.map(([name]) => name).sort()).toEqual(['help', 'version'])
  })
})
