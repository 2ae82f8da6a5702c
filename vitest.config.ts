import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // One DynamoDB Local for the whole run (it takes seconds to start); each test file makes its own table.
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 120_000,
    // Synthesizing the stack bundles every function with esbuild: slow on a busy 2-core machine.
    hookTimeout: 300_000,
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
