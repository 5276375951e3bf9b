import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations, type PolicyValidationPluginReport } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTriageApp } from '../../infra/triage-app.ts';
import { synth, type Synthesized } from './support.ts';

/** AwsSolutionsChecks that ignores every acknowledgment: what cdk-nag finds before suppressions. */
class UnacknowledgedAwsSolutionsChecks extends AwsSolutionsChecks {}
(UnacknowledgedAwsSolutionsChecks.prototype as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () =>
  false;

interface Acknowledgment {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

function acknowledgments(root: IConstruct): Acknowledgment[] {
  const found: Acknowledgment[] = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [key, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ path: construct.node.path, id: key.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return found;
}

const findingsOf = (report: PolicyValidationPluginReport) =>
  report.violations.flatMap((v) =>
    v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath!, severity: v.severity })),
  );

describe.each([
  ['STANDARD classification (the default)', {}],
  ['EXPRESS classification', { classifyWorkflowType: 'EXPRESS' }],
])('cdk-nag AwsSolutions: %s', (_name, context) => {
  let s: Synthesized;
  beforeAll(() => {
    // Synthesis itself fails on any unacknowledged finding (Validations plugin);
    // the default variant also runs aws-cdk-lib's CloudFormation schema validation.
    s = synth({ nag: true, cfnValidation: Object.keys(context).length === 0, context });
  }, 120_000);

  it('synthesizes with no unacknowledged error or warning (validation report is clean)', () => {
    const report = JSON.parse(readFileSync(join(s.assemblyDir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations?: unknown[] }[];
    };
    const violations = report.pluginReports.flatMap((r) => r.violations ?? []);
    expect(violations).toEqual([]);
    const direct = new AwsSolutionsChecks().validateScope(s.stack);
    expect(findingsOf(direct)).toEqual([]);
    expect(direct.success).toBe(true);
  });

  it('no CDK annotations (warnings or errors) on any construct', () => {
    expect(Annotations.fromStack(s.stack).findWarning('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(s.stack).findError('*', Match.anyValue())).toEqual([]);
  });

  it('every acknowledgment names a finding that exists, on that construct or below it (no stale or broad suppressions)', () => {
    const raw = findingsOf(new UnacknowledgedAwsSolutionsChecks().validateScope(s.stack));
    expect(raw.length).toBeGreaterThan(0);
    for (const ack of acknowledgments(s.stack)) {
      const matched = raw.filter(
        (f) => f.rule === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)),
      );
      expect(matched.length, `${ack.id} at ${ack.path}`).toBeGreaterThan(0);
    }
    // Every raw finding is covered by exactly the acknowledgments above (nothing else suppressed it).
    for (const finding of raw) {
      const covered = acknowledgments(s.stack).some(
        (ack) => ack.id === finding.rule && (finding.path === ack.path || finding.path.startsWith(`${ack.path}/`)),
      );
      expect(covered, `${finding.rule} at ${finding.path}`).toBe(true);
    }
  });

  it('every acknowledgment is narrow and carries a specific reason', () => {
    const acks = acknowledgments(s.stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.path, 'never on the stack or the app as a whole').not.toBe(s.stack.node.path);
      expect(ack.id).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      if (ack.id.startsWith('AwsSolutions-IAM5'))
        expect(ack.id, 'IAM5 only per finding').toMatch(/\[(Resource|Action)::.+\]$/);
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(80);
      expect(ack.reason.split(/\s+/).length).toBeGreaterThanOrEqual(15);
      expect(ack.reason).not.toMatch(/^(n\/?a|todo|tbd|suppress(ed)?|not needed|ok|fine)\b/i);
    }
  });

  it('lists the acknowledged rules (for the record)', () => {
    const summary = [...new Set(acknowledgments(s.stack).map((a) => a.id.replace(/<[^>]+>/g, '<…>')))].sort();
    console.log(
      `acknowledged cdk-nag findings (${acknowledgments(s.stack).length} in all):\n  ${summary.join('\n  ')}`,
    );
    expect(summary.length).toBeGreaterThan(0);
  });
});

describe('cdk-nag is wired into synthesis', () => {
  it('an unacknowledged finding fails `cdk synth` (here: a bucket without access logs)', () => {
    process.env.CDK_VALIDATION = 'false';
    try {
      const { app, stack } = createTriageApp({ bundle: false });
      new s3.Bucket(stack, 'Unlogged', { enforceSSL: true });
      expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
    } finally {
      delete process.env.CDK_VALIDATION;
    }
  });
});
