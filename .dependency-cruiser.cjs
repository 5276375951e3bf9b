/**
 * The rooms of the code and the doors between them, checked by
 * dependency-cruiser in `npm run lint` (`depcruise --config .dependency-cruiser.cjs ...`).
 * Type-only imports count like any other (the swc parser reads them).
 */
const NODE_IO =
  '^(node:)?(fs|fs/promises|net|http|https|http2|child_process|dgram|dns|tls|worker_threads|cluster|os|process|readline|inspector|v8|vm)$';
const AWS = '^node_modules/(@aws-sdk|@smithy|@aws-lambda-powertools|aws-cdk-lib|aws-cdk|constructs|cdk-nag)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No module reaches itself through its imports.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      comment: "No folder reaches itself through its modules' imports (src/operations ⇄ src/retraining was one).",
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'pure-core-no-io',
      comment:
        'src/text and src/model compute: no Node I/O modules, no AWS, no natural package root (it loads database drivers).',
      severity: 'error',
      from: { path: '^src/(text|model)/' },
      to: { path: [NODE_IO, AWS, '^node_modules/natural/lib/natural/index\\.js$'] },
    },
    {
      name: 'pure-core-stays-inside',
      comment:
        'src/text and src/model import only each other (and the error base class, src/errors.ts, which imports nothing, and the schema library, src/zod.ts).',
      severity: 'error',
      from: { path: '^src/(text|model)/' },
      to: { path: '^src/', pathNot: ['^src/(text|model)/', '^src/errors\\.ts$', '^src/zod\\.ts$'] },
    },
    {
      name: 'errors-import-nothing',
      comment: 'src/errors.ts is the base of every layer, the pure core included.',
      severity: 'error',
      from: { path: '^src/errors\\.ts$' },
      to: {},
    },
    {
      name: 'zod-imports-only-zod',
      comment: 'src/zod.ts (zod/mini with English messages) is imported by every layer, the pure core included.',
      severity: 'error',
      from: { path: '^src/zod\\.ts$' },
      to: { pathNot: '^node_modules/zod/' },
    },
    {
      name: 'only-local-stack-and-cli-use-the-emulator',
      comment: 'Production code never imports the emulator (src/local); the local stack and the CLI start it.',
      severity: 'error',
      from: { path: '^(src|handlers|infra)/', pathNot: '^src/(local|local-stack|cli)/' },
      to: { path: '^src/local/' },
    },
    {
      name: 'emulator-knows-no-product',
      comment:
        'src/local is a generic AWS runtime: it imports only itself and the SDK client settings for loopback endpoints.',
      severity: 'error',
      from: { path: '^src/local/' },
      to: {
        path: '^(src|handlers|infra|workflows)/',
        pathNot: ['^src/local/', '^src/aws/loopback-client-settings\\.ts$'],
      },
    },
    {
      name: 'handlers-reach-only-src',
      comment: 'A handler is thin: it imports src/ (and packages), never another handler, infra, tests or benchmarks.',
      severity: 'error',
      from: { path: '^handlers/' },
      to: { path: '^(handlers|infra|test|bench|scripts|bin)/' },
    },
    {
      name: 'product-code-imports-no-tooling',
      comment: 'src/ does not import the CDK app, tests, benchmarks or handlers.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(handlers|infra|test|bench|scripts)/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves (aws-lambda is types only: @types/aws-lambda).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, pathNot: '^aws-lambda$' },
    },
  ],
  options: {
    // TypeScript through swc (dependency-cruiser reads TypeScript 7 through no other parser yet).
    parser: 'swc',
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['\\.d\\.ts$', '^src/web/static/'] },
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mjs', '.js', '.json'],
    },
    cache: false,
  },
};
