#!/usr/bin/env -S node --max-semi-space-size=32
// The `triage` command. Runs the CLI compiled to JavaScript (dist/cli/, built
// by scripts/build-cli.mjs on `npm install`), so nothing is transpiled at
// start. When a file it was built from changed since, it rebuilds first
// (a second or so, once per change); when it cannot build (another
// process is building, a read-only install, a syntax error), it runs the
// TypeScript sources through tsx as before. Either way it runs what is in src/.
// TRIAGE_CLI=source always runs the sources through tsx.
import { pathToFileURL } from 'node:url';
import { buildCli, CLI_MAIN, isCliBuildFresh } from '../scripts/build-cli.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Stack traces point into src/ (the build writes source maps); only when asked, since it slows loading.
if (process.env.TRIAGE_DEBUG) process.setSourceMapsEnabled(true);

async function compiled() {
  if (process.env.TRIAGE_CLI === 'source') return false;
  if (isCliBuildFresh()) return true;
  if (process.stderr.isTTY)
    process.stderr.write('(compiling the CLI into dist/cli: missing, or older than the sources)\n');
  try {
    return (await buildCli()) !== undefined;
  } catch {
    return false; // tsx reports the error with the source's line numbers
  }
}

let main;
if (await compiled()) {
  ({ main } = await import(pathToFileURL(CLI_MAIN).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
await main(process.argv);
