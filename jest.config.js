/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  // Only *.test.ts are suites; helpers.ts and fixtures are not.
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  transform: {
    // Types are checked once by `npm run typecheck`; here ts-jest only transpiles.
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/__tests__/tsconfig.json' }],
  },
  moduleNameMapper: {
    '^express-signed-url$': '<rootDir>/lib/index.ts',
    '^express-signed-url/web$': '<rootDir>/lib/web.ts',
    // lib/ imports its modules as './x.js' (what the ESM build needs); jest resolves them to the .ts sources.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
}
