// Lint: typescript-eslint's strict type-checked rules on the library (where a wrong type is a security bug), its
// recommended rules on the tests, and ESLint's recommended rules on the JavaScript (examples, benchmarks, scripts).
// Formatting is Prettier's job (npm run lint runs both); no rule here is about layout.
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

// `_next`: Express tells an error handler by its four parameters; `catch (e)`: njs 0.7 needs the binding.
const UNUSED = { argsIgnorePattern: '^_', caughtErrors: 'none' }

// The layers of lib/, from the ground up: a folder imports only from the folders below it (signer/ and store/ never
// from each other, http/ and cli/ never from each other), and only the layers that run on Node import `node:`
// modules or packages. What the web entry reaches must run in any JavaScript runtime.
const LAYERS = ['util', 'crypto', 'link', 'signer', 'store', 'http', 'cli']
const BESIDE = { signer: ['store'], store: ['signer'], http: ['cli'], cli: ['http'] }
const RUNTIME = { regex: '^[^.]', message: 'This layer runs anywhere: no `node:` module or package here.' }
const layer = (name, index) => {
  const above = LAYERS.filter((other, i) => other !== name && (i > index || (BESIDE[name] ?? []).includes(other)))
  const below = LAYERS.filter((other) => other !== name && !above.includes(other))
  const down = {
    group: above.map((other) => `../${other}/*`),
    message: `lib/${name}/ imports from ${below.join(', ') || 'no other layer'} only.`,
  }
  return {
    files: [`lib/${name}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns: [down, ...(index <= LAYERS.indexOf('store') ? [RUNTIME] : [])] }],
    },
  }
}

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'examples/hls/private/',
      '__tests__/fixtures/site/',
      '__tests__/fixtures/consumer/',
      // The API reference npm run docs writes.
      'docs/api/',
    ],
  },
  js.configs.recommended,
  {
    files: ['lib/**/*.ts'],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Numbers in messages and links (an expiry, a status) are what templates are for.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // The factories check at run time what JavaScript callers pass, which the types already rule out: those
      // checks are the point (a TypeError naming the option), not dead code.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // `return reject(...)` and `(l) => console.log(l)` say what they mean.
      '@typescript-eslint/no-confusing-void-expression': [
        'error',
        { ignoreArrowShorthand: true, ignoreVoidReturningFunctions: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', UNUSED],
    },
  },
  ...LAYERS.map(layer),
  {
    // A file a maintainer reads whole, a function that fits a screen (a factory reads its options in one function
    // and answers requests in another), and one public surface: only the entries re-export.
    files: ['lib/*/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 200 }],
      'max-lines-per-function': ['error', { max: 80 }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'Only the entries (lib/*.ts) re-export.' },
        { selector: 'ExportNamedDeclaration[source]', message: 'Only the entries (lib/*.ts) re-export.' },
      ],
    },
  },
  // Where a lower layer needs Node itself: the Node MAC (node:crypto), and the Redis store (node:crypto for its
  // scripts' digests); the layer rule above still holds for their imports of lib/.
  {
    files: ['lib/crypto/mac.ts', 'lib/store/redis-store.ts', 'lib/store/redis-commands.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../link/*', '../signer/*', '../http/*', '../cli/*'], message: 'Imports go down.' }] },
      ],
    },
  },
  {
    // The web entry: nothing that needs Node.
    files: ['lib/web.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['./http/*', './cli/*', './store/redis-*', './crypto/mac.js'], message: 'Not on the web.' },
            RUNTIME,
          ],
        },
      ],
    },
  },
  {
    files: ['__tests__/**/*.ts'],
    extends: [tseslint.configs.recommended],
    rules: { '@typescript-eslint/no-unused-vars': ['error', UNUSED] },
  },
  {
    rules: {
      // The link grammar refuses control characters by regular expression on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    // `import x = require()` is how a declaration file re-exports a CommonJS module.
    files: ['**/*.d.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: { 'no-unused-vars': ['error', UNUSED] },
  },
)
