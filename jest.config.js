// Jest runs quicksand's own Jest suite against the built package, in ESM mode
// (node --experimental-vm-modules): @matrixai/quic ships ESM only.
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/jest'],
  testMatch: ['**/*.test.js'],
  transform: {},
  setupFilesAfterEnv: ['<rootDir>/dist/jest/index.js'],
  moduleNameMapper: {
    '^quicksand$': '<rootDir>/dist/index.js',
    '^quicksand/(vitest|jest|matchers)$': '<rootDir>/dist/$1/index.js',
  },
  testTimeout: 30000,
}
