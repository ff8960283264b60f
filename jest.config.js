/** Unit tests are pure and fast; integration tests start Azurite and the tenant simulator per file. */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 60000,
  maxWorkers: 2,
  // jose ships ES modules only; Node loads them natively, jest's CommonJS runtime needs them compiled.
  transform: {
    '^.+\\.ts$': 'ts-jest',
    '^.+/node_modules/jose/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs' }, isolatedModules: true }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
};
