#!/usr/bin/env node
// The `triage` command. Runs the TypeScript sources directly through tsx, so
// there is no build step between editing and running.
import { register } from 'tsx/esm/api';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
