/** Unit tests are pure and fast; integration tests start the tenant simulator and a host per file, Azurite per worker. */
module.exports = {
  // node's, plus one Azurite per worker lending each local stack an account of its own.
  testEnvironment: '<rootDir>/test/support/worker-environment.ts',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 60000,
  // Three files at a time on two cores: an integration file spends much of its time waiting (on Azurite,
  // child processes, retry budgets), so a third worker fills the idle CPU. Measured on the shared 2-core
  // machine, whole suite, same load (about 5): 2 workers 194 s, 3 workers 140 s (each file 8% slower).
  maxWorkers: 3,
  // Slowest first, on a fresh clone too (test/support/slowest-first.js).
  testSequencer: '<rootDir>/test/support/slowest-first.js',
  // One property-test seed per run, printed (test/support/property-seed.ts says how to replay or vary it).
  globalSetup: '<rootDir>/test/support/fast-check-global.ts',
  setupFiles: ['<rootDir>/test/support/fast-check-seed.ts'],
  // Types are stripped, not checked (test/support/esbuild-transform.js says why that is enough). jose ships
  // ES modules only; Node loads them natively, jest's CommonJS runtime needs them compiled.
  transform: {
    '^.+\\.ts$': '<rootDir>/test/support/esbuild-transform.js',
    '^.+/node_modules/jose/.+\\.js$': '<rootDir>/test/support/esbuild-transform.js',
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
};
