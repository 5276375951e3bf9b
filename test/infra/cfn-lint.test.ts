import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { synth } from './support.ts';

const run = promisify(execFile);

function cfnLintVersion(): string | undefined {
  try {
    return execFileSync('cfn-lint', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

const VERSION = cfnLintVersion();
if (!VERSION) console.warn('[cfn-lint test] skipped: cfn-lint is not installed (pip install cfn-lint)');

interface Finding {
  Level: 'Error' | 'Warning' | 'Informational';
  Rule: { Id: string };
  Message: string;
  Location: { Path: (string | number)[] };
}

/** AWS's CloudFormation linter on the synthesized template: the resource specs of every service, offline. */
describe.skipIf(!VERSION)('cfn-lint on the synthesized template', () => {
  it.each([
    ['default settings', {}],
    [
      'EXPRESS classification, your own identity provider',
      {
        classifyWorkflowType: 'EXPRESS',
        feedbackApiJwtIssuer: 'https://login.example.com/',
        feedbackApiJwtAudience: 'triage-web',
      },
    ],
  ])(
    '%s: no errors',
    async (_name, context) => {
      const s = synth({ context });
      const file = join(s.assemblyDir, 'linted.template.json');
      writeFileSync(file, JSON.stringify(s.json));
      // Exit codes are a bit mask (2 errors, 4 warnings, 8 informational): read the findings instead.
      const { stdout } = await run('cfn-lint', ['--format', 'json', '--', file], { maxBuffer: 16 * 1024 * 1024 }).catch(
        (error: { stdout?: string; code?: number }) => {
          if (typeof error.stdout === 'string' && typeof error.code === 'number' && (error.code & 1) === 0)
            return { stdout: error.stdout };
          throw error;
        },
      );
      const findings = JSON.parse(stdout || '[]') as Finding[];
      const describe = (f: Finding) => `${f.Rule.Id} ${f.Location.Path.join('/')}: ${f.Message}`;
      console.log(
        `${VERSION}: ${findings.filter((f) => f.Level === 'Error').length} errors, ${findings.filter((f) => f.Level === 'Warning').length} warnings (${[...new Set(findings.map((f) => f.Rule.Id))].join(', ') || 'none'})`,
      );
      expect(findings.filter((f) => f.Level === 'Error').map(describe)).toEqual([]);
    },
    120_000,
  );
});
