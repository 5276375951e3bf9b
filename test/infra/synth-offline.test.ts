import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../src/workflows/catalog.ts';

const run = promisify(execFile);

/** `unshare -n` runs a command in a new network namespace: no network at all (needs root, as here and in CI). */
function canIsolateNetwork(): boolean {
  try {
    execFileSync('unshare', ['-n', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('npm run synth', () => {
  it.runIf(canIsolateNetwork())(
    'synthesizes the CloudFormation template with the CDK CLI and no network at all (no AWS, no registry)',
    async () => {
      const out = mkdtempSync(join(tmpdir(), 'triage-synth-'));
      const env = { ...process.env };
      for (const name of Object.keys(env))
        if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE)$/.test(name)) delete env[name];
      const { stderr } = await run('unshare', ['-n', '--', 'npm', 'run', 'synth', '--', '--output', out], {
        cwd: projectPath(''),
        env,
        maxBuffer: 16 * 1024 * 1024,
      });
      const template = JSON.parse(readFileSync(join(out, 'TicketTriage.template.json'), 'utf8')) as {
        Resources: Record<string, { Type: string }>;
      };
      expect(
        Object.values(template.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine').length,
      ).toBeGreaterThanOrEqual(1);
      expect(readdirSync(out).filter((f) => f.startsWith('asset.')).length).toBeGreaterThanOrEqual(7);
      expect(stderr).not.toMatch(/AwsSolutions-/);
    },
    180_000,
  );
});
