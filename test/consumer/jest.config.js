export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/jest'],
  transform: {},
  setupFilesAfterEnv: ['quicksand/jest'],
  testTimeout: 30000,
}
