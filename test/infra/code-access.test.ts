import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../../src/workflows/catalog.ts';
import { CodeAccessAnalyzer, describeValue, type HandlerAccess } from '../../tools/code-access/code-access.ts';

/** The analysis behind iam-matches-code.test.ts, on a fixture handler made of the cases it must get right. */
let analyzer: CodeAccessAnalyzer;
let access: HandlerAccess;
beforeAll(() => {
  analyzer = new CodeAccessAnalyzer();
  access = analyzer.analyze('code-access-fixture', projectPath('test/infra/fixtures/code-access/handler.ts'));
}, 60_000);
afterAll(() => analyzer?.close());

const calls = () =>
  access.calls
    .map(
      (c) =>
        `${c.actions.join('+')} ${c.sdkClass} TableName=${(c.inputs.TableName ?? []).map(describeValue).join('|')} id=${(c.inputs['Key.id'] ?? []).map(describeValue).join('|')}`,
    )
    .sort();

describe('code-access analysis', () => {
  it('follows a method call to the overrides in the subclasses the handler constructs, and resources to the settings that name them', () => {
    expect(calls()).toEqual([
      // Store.read: `this.table`, set by the constructor AuditedStore inherits, from config().MODELS_TABLE; the id is the event's.
      expect.stringMatching(/^dynamodb:GetItem GetCommand TableName=\$MODELS_TABLE id=\? `event`/),
      // AuditedStore.read, reached through `store.read()` on a Store; a required() setting.
      'dynamodb:PutItem PutCommand TableName=$OUTPUT_QUEUE_URL id="@audit"',
      // `new commands.UpdateCommand(...)` on the namespace of `await import('@aws-sdk/lib-dynamodb')`.
      'dynamodb:UpdateItem UpdateCommand TableName=$IDEMPOTENCY_TABLE id="lazy"',
    ]);
  });

  it('does not reach a method nothing calls', () => {
    expect(access.units).toContain('test/infra/fixtures/code-access/handler.ts Store.read');
    expect(access.units).not.toContain('test/infra/fixtures/code-access/handler.ts Store.remove');
    expect(access.calls.map((c) => c.sdkClass)).not.toContain('DeleteCommand');
  });

  it('reports what it cannot follow: an untyped call, a computed member, an SDK API other than a command', () => {
    const messages = access.problems.map((p) => p.message);
    expect(messages).toContainEqual(expect.stringMatching(/cannot resolve the call `untyped\.read\(\.\.\.\)`/));
    expect(messages).toContainEqual(expect.stringMatching(/calls a computed member/));
    expect(messages).toContainEqual(
      expect.stringMatching(/uses @aws-sdk\/lib-dynamodb `paginateScan`, which this analysis does not model/),
    );
    expect(messages).toHaveLength(3);
  });

  it('records the settings read, required or not', () => {
    expect(
      access.configReads
        .filter((r) => r.site.startsWith('test/'))
        .map((r) => `${r.name}${r.required ? '!' : ''}`)
        .sort(),
    ).toEqual(['IDEMPOTENCY_TABLE', 'MODELS_TABLE', 'OUTPUT_QUEUE_URL!', 'PREDICTIONS_TABLE']);
  });
});
