/** Unit tests are pure and fast; integration tests start Azurite and the tenant simulator per file. */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 60000,
  maxWorkers: 2,
};
