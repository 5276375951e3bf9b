import { readFileSync } from 'node:fs';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as preprocessHandler } from '../../handlers/preprocess-ticket.ts';
import { handler as startHandler } from '../../handlers/start-classification.ts';
import { handler as vectorizeHandler } from '../../handlers/vectorize-ticket.ts';
import { toSqsJson } from '../../src/aws/queues.ts';
import type { FailedMessage, RejectedMessage } from '../../src/contracts/messages.ts';
import { executionNameFor } from '../../src/contracts/ticket-message.ts';
import { DEFAULT_PROFILE } from '../../src/model/profiles.ts';
import { loadTicketClassifier } from '../../src/model/ticket-classifier.ts';
import { TransientError } from '../../src/contracts/step-errors.ts';
import { assertJsonPathOnly } from '../../src/local/index.ts';
import { projectPath, WORKFLOWS } from '../../src/workflows/catalog.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '../support/lambda.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

/** Faults the tests switch on per ticket text marker. */
const faults = {
  transientVectorize: new Map<string, number>(), // marker -> failures left
  brokenVectorize: new Set<string>(),
  slowPreprocess: new Map<string, Promise<void>>(),
  /** marker -> KiB of tokens Preprocess adds, and of terms Vectorize adds (each under 256 KiB, together over). */
  hugeSteps: new Set<string>(),
};
const markerOf = (text: string) => /\bmarker(\w+)/.exec(text)?.[1] ?? '';

let t: TestStack;
let v1: string;

beforeAll(async () => {
  t = await startTestStack({
    settings: { REJECT_TICKET_CHARS: '5000', MAX_TICKET_CHARS: '1000' },
    functionOverrides: {
      'preprocess-ticket': async (event: { text: string }) => {
        await faults.slowPreprocess.get(markerOf(event.text));
        const result = await preprocessHandler(event);
        if (faults.hugeSteps.has(markerOf(event.text)))
          return { ...result, tokens: [...result.tokens, ...Array.from({ length: 15_000 }, (_, i) => `filler${i}`)] };
        return result;
      },
      'vectorize-ticket': async (event: { tokens: string[] }) => {
        const marker = event.tokens.map((tok) => /^marker(\w+)/.exec(tok)?.[1]).find(Boolean) ?? '';
        if (faults.brokenVectorize.has(marker)) throw new Error('the vocabulary is corrupt for this ticket');
        if (faults.hugeSteps.has(marker)) {
          const vector = await vectorizeHandler(event);
          return { ...vector, padding: 'p'.repeat(110 * 1024) };
        }
        const left = faults.transientVectorize.get(marker) ?? 0;
        if (left > 0) {
          faults.transientVectorize.set(marker, left - 1);
          throw new TransientError('the model store did not answer in time');
        }
        return vectorizeHandler(event);
      },
    },
  });
  v1 = await t.bootstrap();
}, 60_000);

afterAll(async () => t?.stop());

const sfn = () => t.clients.sfn;
const arnOf = (ticketId: string) =>
  `${t.stack.stateMachines['classify-ticket']!.replace(':stateMachine:', ':execution:')}:${executionNameFor(ticketId)}`;

describe('classify-ticket workflow (the ASL file, real handlers, local AWS servers)', () => {
  it('classifies a ticket: result on the output queue, prediction recorded, every state in the history', async () => {
    await t.send({ ticketId: 'T-1', subject: 'Printer', body: 'the printer on floor two is jammed again' });
    await t.until(() => t.outputs.some((o) => o.ticketId === 'T-1'));
    const result = t.outputs.find((o) => o.ticketId === 'T-1')!;
    expect(result).toMatchObject({
      schemaVersion: 1,
      kind: 'classified',
      ticketId: 'T-1',
      category: 'Hardware',
      modelVersion: v1,
      executionName: 'ticket-T-1',
      truncated: false,
    });
    expect(result.probability).toBeGreaterThan(0);
    expect(result.probability).toBe(result.top[0]!.probability);
    expect(result.top).toHaveLength(3);
    expect(result.top.reduce((s, c) => s + c.probability, 0)).toBeCloseTo(1, 6);
    // Routed by the model's own policy: the threshold fitted at training for its target precision.
    const { routing } = await t.store.manifest(v1);
    expect(routing).toMatchObject({ targetPrecision: 0.95 });
    expect(result.route).toBe(result.probability >= routing!.threshold ? 'auto' : 'review');
    expect(result.needsReview).toBe(result.route === 'review');
    if (result.route === 'review') expect(result.reason).toBe('low-confidence');
    else expect(result).not.toHaveProperty('reason');

    const record = await t.predictions.get('T-1');
    expect(record).toMatchObject({
      ticketId: 'T-1',
      status: 'classified',
      category: 'Hardware',
      subject: 'Printer',
      modelVersion: v1,
      route: result.route,
      needsReview: result.needsReview,
    });
    expect(record!.reason).toBe(result.reason);
    expect(record!.explanation!.map((e) => e.term)).toEqual(
      expect.arrayContaining([expect.stringMatching(/printer|jam/)]),
    );

    const history = await sfn().send(new GetExecutionHistoryCommand({ executionArn: arnOf('T-1') }));
    const entered = history
      .events!.filter((e) => e.type === 'TaskStateEntered')
      .map((e) => e.stateEnteredEventDetails!.name);
    expect(entered).toEqual(['PinModelVersion', 'Preprocess', 'Vectorize', 'Predict', 'PublishResult']);
  });

  it('the same ticket sent twice: one execution, one result, the duplicate recorded with its reason', async () => {
    const ticket = { ticketId: 'T-dup', body: 'cannot log in my password expired' };
    await t.send(ticket);
    await t.until(() => t.outputs.some((o) => o.ticketId === 'T-dup'));
    await t.send(ticket);
    await t.until(() => t.rejections.some((r) => r.kind === 'rejected' && r.ticketId === 'T-dup'));
    expect(t.outputs.filter((o) => o.ticketId === 'T-dup')).toHaveLength(1);
    const duplicate = t.rejections.find((r) => r.ticketId === 'T-dup') as RejectedMessage;
    expect(duplicate.reason).toMatch(/^duplicate: ticket T-dup was already received/);
    const executions = await sfn().send(
      new ListExecutionsCommand({ stateMachineArn: t.stack.stateMachines['classify-ticket']!, maxResults: 1000 }),
    );
    expect(executions.executions!.filter((e) => e.name === 'ticket-T-dup')).toHaveLength(1);
  });

  it('an SQS redelivery of the same message (after its execution finished) is absorbed silently', async () => {
    const record = sqsRecord(JSON.stringify({ ticketId: 'T-redeliver', body: 'order two monitors please' }), {
      messageId: 'redelivered-1',
    });
    expect(await startHandler(sqsEvent(record), lambdaContext('start-classification'))).toEqual({
      batchItemFailures: [],
    });
    await t.until(() => t.outputs.some((o) => o.ticketId === 'T-redeliver'));
    await t.stack.runtime.stepFunctions.waitForExecution(arnOf('T-redeliver'));
    const again = sqsEvent({ ...record, attributes: { ...record.attributes, ApproximateReceiveCount: '2' } });
    expect(await startHandler(again, lambdaContext('start-classification'))).toEqual({ batchItemFailures: [] });
    await new Promise((r) => setTimeout(r, 300));
    await t.until(() => true);
    expect(t.outputs.filter((o) => o.ticketId === 'T-redeliver')).toHaveLength(1);
    expect(t.rejections.filter((r) => r.ticketId === 'T-redeliver')).toHaveLength(0);
  });

  it('a ticket id reused for a different ticket is rejected as a conflict', async () => {
    await t.send({ ticketId: 'T-conflict', body: 'printer is broken' });
    await t.until(() => t.outputs.some((o) => o.ticketId === 'T-conflict'));
    await t.send({ ticketId: 'T-conflict', body: 'please buy a new projector' });
    await t.until(() => t.rejections.some((r) => r.ticketId === 'T-conflict'));
    expect((t.rejections.find((r) => r.ticketId === 'T-conflict') as RejectedMessage).reason).toMatch(
      /^conflict: ticket id T-conflict was already used for a different ticket/,
    );
  });

  it('a step failing transiently is retried and the ticket is classified', async () => {
    faults.transientVectorize.set('retry1', 2);
    await t.send({ ticketId: 'T-retry', body: 'laptop screen flickers markerretry1' });
    await t.until(() => t.outputs.some((o) => o.ticketId === 'T-retry'), 30_000);
    expect(faults.transientVectorize.get('retry1')).toBe(0);
    const history = await sfn().send(new GetExecutionHistoryCommand({ executionArn: arnOf('T-retry') }));
    expect(history.events!.filter((e) => e.type === 'LambdaFunctionFailed')).toHaveLength(2);
    expect((await sfn().send(new DescribeExecutionCommand({ executionArn: arnOf('T-retry') }))).status).toBe(
      'SUCCEEDED',
    );
  });

  it('a step failing permanently: failure recorded with ticket id and execution name, execution failed, no result', async () => {
    faults.brokenVectorize.add('broken1');
    await t.send({ ticketId: 'T-broken', body: 'keyboard keys stuck markerbroken1' });
    await t.until(() => t.rejections.some((r) => r.ticketId === 'T-broken'));
    const failure = t.rejections.find((r) => r.ticketId === 'T-broken') as FailedMessage;
    expect(failure).toMatchObject({
      kind: 'failed',
      ticketId: 'T-broken',
      executionName: 'ticket-T-broken',
      error: 'Error',
      cause: 'the vocabulary is corrupt for this ticket',
    });
    const execution = await sfn().send(new DescribeExecutionCommand({ executionArn: arnOf('T-broken') }));
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Error');
    await new Promise((r) => setTimeout(r, 200));
    await t.until(() => true);
    expect(t.outputs.filter((o) => o.ticketId === 'T-broken')).toHaveLength(0);
  });

  it('a state output over 256 KiB: States.DataLimitExceeded, caught by name, recorded on the rejected queue', async () => {
    faults.hugeSteps.add('huge1');
    await t.send({ ticketId: 'T-huge', body: 'screen broken markerhuge1' });
    await t.until(() => t.rejections.some((r) => r.ticketId === 'T-huge'));
    const failure = t.rejections.find((r) => r.ticketId === 'T-huge') as FailedMessage;
    expect(failure).toMatchObject({ kind: 'failed', error: 'States.DataLimitExceeded' });
    expect(failure.cause).toMatch(/'Vectorize' has an output with a size exceeding/);
    expect((await sfn().send(new DescribeExecutionCommand({ executionArn: arnOf('T-huge') }))).error).toBe(
      'States.DataLimitExceeded',
    );
  });

  it('a long CJK subject is cut to its byte budget and classified at once (no dead letter)', async () => {
    // 4,800 characters, 14 KB: REJECT_TICKET_CHARS is 5,000 in this stack (200,000 by default).
    await t.send({ ticketId: 'T-cjk', subject: '打印机卡纸 '.repeat(800), body: 'the printer is jammed' });
    await t.until(() => t.outputs.some((o) => o.ticketId === 'T-cjk'));
    expect(t.outputs.find((o) => o.ticketId === 'T-cjk')!.truncated).toBe(true);
    const record = await t.predictions.get('T-cjk');
    expect(Buffer.byteLength(record!.subject!)).toBeLessThanOrEqual(2048);
    expect(record!.subject!.endsWith('打印机卡纸')).toBe(true);
  });

  it('a subject alone is classified; JSON after a byte-order mark is accepted', async () => {
    await t.send({ ticketId: 'T-title', subject: 'printer jammed on floor two' });
    await t.send(`\ufeff${JSON.stringify({ ticketId: 'T-bom', body: 'the printer is jammed' })}`);
    await t.until(() => ['T-title', 'T-bom'].every((id) => t.outputs.some((o) => o.ticketId === id)));
  });

  it.each([
    ['an emoji', 'T-🎫'],
    ['U+FFFF and U+FFFE', 'T-\uffff\ufffe'],
  ])('a ticket id with %s is answered under that very id (result and failure record)', async (_, id) => {
    // A producer escapes U+FFFE/U+FFFF in its JSON (SQS refuses them raw), as toSqsJson does.
    await t.send(toSqsJson({ ticketId: id, body: 'printer jammed' }));
    faults.brokenVectorize.add('idfail');
    await t.send(toSqsJson({ ticketId: `${id}-f`, body: 'keyboard stuck markeridfail' }));
    await t.until(() => t.outputs.some((o) => o.ticketId === id) && t.rejections.some((r) => r.ticketId === `${id}-f`));
    expect(t.outputs.find((o) => o.ticketId === id)!.executionName).toMatch(/^ticket-T-_+-?[0-9a-f]{24}$/);
  });

  it('duplicate or conflict is decided on the full text, not the cut one', async () => {
    const start = 'printer jammed '.repeat(200); // longer than MAX_TICKET_CHARS (1000 here)
    await t.send({ ticketId: 'T-long-a', body: `${start} first ending` });
    await t.until(() => t.outputs.some((o) => o.ticketId === 'T-long-a'));
    await t.send({ ticketId: 'T-long-a', body: `${start} second ending` });
    await t.until(() => t.rejections.some((r) => r.ticketId === 'T-long-a'));
    expect((t.rejections.find((r) => r.ticketId === 'T-long-a') as RejectedMessage).reason).toMatch(/^conflict: /);
  });

  it('a duplicate of a ticket whose classification failed says so (not "is classified by")', async () => {
    faults.brokenVectorize.add('dupfail');
    const ticket = { ticketId: 'T-dup-failed', body: 'mouse broken markerdupfail' };
    await t.send(ticket);
    await t.until(() => t.rejections.some((r) => r.ticketId === 'T-dup-failed' && r.kind === 'failed'));
    await t.send(ticket);
    await t.until(() => t.rejections.some((r) => r.ticketId === 'T-dup-failed' && r.kind === 'rejected'));
    const reason = (t.rejections.find((r) => r.ticketId === 'T-dup-failed' && r.kind === 'rejected') as RejectedMessage)
      .reason;
    expect(reason).toMatch(/execution ticket-T-dup-failed, ended FAILED \(Error\): its failure is recorded/);
    expect(reason).not.toMatch(/is classified by/);
  });

  it.each([
    ['not JSON', 'hello, my printer is broken', /the message is not JSON/],
    [
      'no text',
      { ticketId: 'P-2', subject: ' ' },
      /no ticket text: put it in "subject", "body", "description" or "text"/,
    ],
    [
      'a ticket id with a control character',
      { ticketId: 'P-6\u0007', body: 'printer' },
      /"ticketId" must not contain control characters or unpaired surrogates/,
    ],
    ['a ticket id with an unpaired surrogate', '{"ticketId":"P-7\\ud83c","body":"printer"}', /unpaired surrogates/],
    ['wrong types', { ticketId: 'P-3', body: 42 }, /"body" must be a string/],
    ['a JSON array', [1, 2], /the message must be a JSON object/],
    [
      'text far over the cap',
      { ticketId: 'P-5', body: 'printer '.repeat(1000) },
      /the ticket text is 8000 characters; the limit is 5000/,
    ],
  ])('a poison message (%s) goes to the rejected queue with a reason a person can act on', async (_, body, reason) => {
    const messageId = await t.send(body);
    await t.until(() => t.rejections.some((r) => r.kind === 'rejected' && r.messageId === messageId));
    const rejection = t.rejections.find((r) => r.kind === 'rejected' && r.messageId === messageId) as RejectedMessage;
    expect(rejection.reason).toMatch(reason);
    expect(rejection.originalBody).toBe(typeof body === 'string' ? body : JSON.stringify(body));
  });

  it('text over the soft cap is cut and flagged, not rejected', async () => {
    await t.send({ ticketId: 'T-long', body: 'printer jammed '.repeat(100) });
    await t.until(() => t.outputs.some((o) => o.ticketId === 'T-long'));
    expect(t.outputs.find((o) => o.ticketId === 'T-long')!.truncated).toBe(true);
  });

  it('a model promoted while executions run: each execution uses the version it pinned', async () => {
    let release!: () => void;
    faults.slowPreprocess.set('slow1', new Promise<void>((r) => (release = r)));
    await t.send({ ticketId: 'T-pinned', body: 'need access to the finance folder markerslow1' });
    // Wait until the execution is inside Preprocess (it pinned v1 before).
    await expect
      .poll(
        async () =>
          (
            await sfn()
              .send(new GetExecutionHistoryCommand({ executionArn: arnOf('T-pinned') }))
              .catch(() => ({ events: [] }))
          ).events!.some((e) => e.stateEnteredEventDetails?.name === 'Preprocess'),
        { timeout: 10_000 },
      )
      .toBe(true);
    const v2 = await t.bootstrap({ extra: [{ text: 'toner cartridge for printer please', label: 'Purchase' }] });
    expect(v2).not.toBe(v1);
    await t.send({ ticketId: 'T-after', body: 'need access to the finance folder' });
    await t.until(() => t.outputs.some((o) => o.ticketId === 'T-after'));
    release();
    await t.until(() => t.outputs.some((o) => o.ticketId === 'T-pinned'));
    expect(t.outputs.find((o) => o.ticketId === 'T-pinned')!.modelVersion).toBe(v1);
    expect(t.outputs.find((o) => o.ticketId === 'T-after')!.modelVersion).toBe(v2);
  });

  it('a model with character n-grams (the default profile) explains in words, as `triage predict` does', async () => {
    const version = await t.bootstrap({ profile: DEFAULT_PROFILE });
    await t.send({ ticketId: 'T-char', subject: 'Printer', body: 'the printer on floor two is jammed again' });
    await t.until(() => t.outputs.some((o) => o.ticketId === 'T-char'));
    expect(t.outputs.find((o) => o.ticketId === 'T-char')!.modelVersion).toBe(version);
    const record = (await t.predictions.get('T-char'))!;
    const manifest = await t.store.manifest(version);
    const model = await loadTicketClassifier(manifest, {
      vectorizer: await t.store.part(manifest, 'vectorizer'),
      classifier: await t.store.part(manifest, 'classifier'),
    });
    const expected = model.classify(record.text, { topK: 3, explain: 8 });
    expect(record.category).toBe(expected.category);
    const explanation = record.explanation!;
    expect(explanation.length).toBeGreaterThan(0);
    expect(explanation.map((e) => e.term)).toEqual(expected.explanation.map((e) => e.term));
    explanation.forEach((e, i) => {
      expect(e.weight).toBeCloseTo(expected.explanation[i]!.weight, 4);
    });
    // Words and word n-grams of the ticket, never character n-grams (" pr", "ed ").
    const words = new Set(record.text.toLowerCase().split(/\W+/));
    for (const { term } of explanation) for (const word of term.split(' ')) expect(words).toContain(word);
  });
});

describe('workflow definitions', () => {
  it.each(Object.values(WORKFLOWS).map((w) => [w.file]))(
    '%s uses JSONPath only (no JSONata, no Assign: the local interpreter would ignore them)',
    (file) => {
      const text = readFileSync(projectPath(file), 'utf8');
      expect(() => assertJsonPathOnly(JSON.parse(text))).not.toThrow();
      expect(() => assertJsonPathOnly({ ...JSON.parse(text), QueryLanguage: 'JSONata' })).toThrow();
    },
  );
});
