/** Unit tests are pure and fast; integration tests start the tenant simulator and a host per file, Azurite per worker. */
module.exports = {
  preset: 'ts-jest',
  // node's, plus one Azurite per worker lending each local stack an account of its own.
  testEnvironment: '<rootDir>/test/support/worker-environment.ts',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 60000,
  maxWorkers: 2,
  // One property-test seed per run, printed (test/support/property-seed.ts says how to replay or vary it).
  globalSetup: '<rootDir>/test/support/fast-check-global.ts',
  setupFiles: ['<rootDir>/test/support/fast-check-seed.ts'],
  // ts-jest only transpiles: tsconfig.json sets isolatedModules, which makes ts-jest compile each file on its
  // own without type checking, and makes tsc (run once before jest in `npm test`) reject code that would not
  // transpile that way. jose ships ES modules only; Node loads them natively, jest's CommonJS runtime needs
  // them compiled.
  transform: {
    '^.+\\.ts$': 'ts-jest',
    '^.+/node_modules/jose/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', isolatedModules: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
};
