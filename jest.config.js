/** @type {import('jest').Config} */
module.exports = {
  // jest's Node environment, less Node's DEP0170 warning when it comes from parseurl (a dependency): see the file.
  testEnvironment: '<rootDir>/__tests__/support/environment.ts',
  // One worker per core: jest's default leaves one core idle, and most suites wait on loopback sockets and child
  // processes rather than the CPU (on 2 cores: 53 s instead of 90 s).
  maxWorkers: '100%',
  // What any one test may take before jest calls it hung. Jest's default, 5 s, is a bet on the machine's speed: on
  // two cores with two busy processes beside the suite, a test that takes 1.5 s alone takes several times that.
  // Tests that start processes add a budget per process to it (__tests__/support/budget.ts).
  testTimeout: 30_000,
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
