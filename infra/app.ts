#!/usr/bin/env -S npx tsx
/**
 * The CDK app (`cdk.json`: `npx tsx infra/app.ts`). Synthesizes offline: no
 * lookups, no account or region, local esbuild bundling. `npm run synth`.
 */
import { createTriageApp } from './triage-app.ts';

createTriageApp().app.synth();
