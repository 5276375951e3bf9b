import { defineConfig } from 'vitest/config';

/**
 * The tests in tiers (vitest projects). `npm test` runs every tier;
 * `npm run test:unit` is the edit loop; `npx vitest run --project <name>` runs one tier.
 *
 * - unit: no local stack, no network, no browser: the pure core, the rules, the API's routing and the
 *   retraining steps over in-memory fakes of their stores, the emulator's pure parts. Seconds.
 * - integration: the local stack (workflow tests executing the ASL files CDK deploys, the review API,
 *   the CLI, the emulator's servers, the local stand-ins for API Gateway's JWT authorizer).
 * - infra: the CDK app (template, IAM against the code, bundles, cdk-nag).
 * - browser: the web page in Chromium against a local stack.
 */
const UNIT = [
  'test/unit/**/*.test.ts',
  'test/invariants/**/*.test.ts',
  'test/local/asl-guard.test.ts',
  'test/local/execution-store.test.ts',
  'test/local/journal.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'ERROR' },
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [
            'test/workflows/**/*.test.ts',
            'test/handlers/**/*.test.ts',
            'test/cli/**/*.test.ts',
            'test/local/**/*.test.ts',
            'test/local-stack/**/*.test.ts',
          ],
          exclude: UNIT,
        },
      },
      { extends: true, test: { name: 'infra', include: ['test/infra/**/*.test.ts'] } },
      { extends: true, test: { name: 'browser', include: ['test/web/**/*.test.ts'] } },
    ],
  },
});
