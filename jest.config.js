/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Transpile only: `npm test` type-checks once with `tsc --noEmit` before jest runs.
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
    // pkijs 4 and asn1js 4 ship only ES modules; Node ≥ 20.19 requires them natively, jest 29 needs them as CommonJS.
    '^.+/node_modules/(pkijs|asn1js|bytestreamjs|@peculiar/utils|@noble/hashes)/.+\\.js$': ['ts-jest', { diagnostics: false, tsconfig: { allowJs: true, module: 'commonjs', moduleResolution: 'node10' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(pkijs|asn1js|bytestreamjs|@peculiar/utils|@noble/hashes)/)'],
  testTimeout: 30000,
  // Two workers on the 2-core machine (jest's default is cores − 1 = one): most test files wait on
  // sockets, child processes and PDF tools, so two run side by side in about 2/3 of the time.
  maxWorkers: 2,
};
