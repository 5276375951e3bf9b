import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../handlers/review-api.ts';
import { WORKFLOWS, projectPath } from '../../src/workflows/catalog.ts';
import { apiGatewayEvent } from '../support/api-events.ts';
import { lambdaContext } from '../support/lambda.ts';
import { MORE_KNOWN_TICKETS } from '../support/feedback-tickets.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * What the web page needs of the API beyond the review routes: undoing a
 * verdict, the workflow definitions (the run graph) and a run's history state
 * by state, with ticket text hidden unless asked for. Real local stack.
 */
let t: TestStack;
let modelVersion: string;

const event = (method: string, path: string, query?: Record<string, string>, body?: unknown) =>
  apiGatewayEvent(method, path, { ...(query && { query }), ...(body !== undefined && { body }) });

async function call(method: string, path: string, query?: Record<string, string>, body?: unknown) {
  const result = await handler(event(method, path, query, body), lambdaContext('review-api'));
  return { status: result.statusCode, body: JSON.parse(result.body) };
}

const TICKETS = MORE_KNOWN_TICKETS.slice(0, 4).map((r, i) => ({ ticketId: `UNDO-${i}`, ...r }));
const SECRET = 'zebracorn password in the ticket';

beforeAll(async () => {
  t = await startTestStack({ settings: { MIN_NEW_FEEDBACK: '1000' } });
  modelVersion = await t.bootstrap();
  for (const ticket of TICKETS)
    await t.send({ ticketId: ticket.ticketId, subject: 'private subject', body: `${ticket.text} ${SECRET}` });
  await t.until(() => t.outputs.length >= TICKETS.length, 30_000);
}, 60_000);

afterAll(async () => t?.stop());

const predictedOf = (ticketId: string) => t.outputs.find((o) => o.ticketId === ticketId)!.category;
const otherThan = (category: string) => (category === 'Access' ? 'Purchase' : 'Access');

describe('DELETE /api/predictions/{ticketId}/feedback (undo)', () => {
  it('takes back a first verdict: the ticket has no feedback again, the counts go back', async () => {
    const before = (await call('GET', '/api/stats')).body;
    const given = (await call('PUT', '/api/predictions/UNDO-0/feedback', undefined, { verdict: 'confirmed' })).body
      .feedback;
    expect((await call('GET', '/api/stats')).body.total).toBe(before.total + 1);

    const undone = await call('DELETE', '/api/predictions/UNDO-0/feedback', { at: given.at });
    expect(undone).toEqual({ status: 200, body: { ticketId: 'UNDO-0', undone: given, feedback: null } });
    const item = (await t.feedback.get('UNDO-0'))!;
    expect(item.feedback).toBeUndefined();
    expect(item.feedbackAt).toBeUndefined();
    expect(item.feedbackListKey).toBeUndefined();
    expect((await call('GET', '/api/stats')).body).toMatchObject({
      total: before.total,
      reviewedToday: before.reviewedToday,
    });
    const unreviewed = (await call('GET', '/api/predictions', { hasFeedback: 'false', limit: '100' })).body.items.map(
      (i: { ticketId: string }) => i.ticketId,
    );
    expect(unreviewed).toContain('UNDO-0');

    // Feedback can be given again afterwards.
    expect((await call('PUT', '/api/predictions/UNDO-0/feedback', undefined, { verdict: 'confirmed' })).status).toBe(
      200,
    );
  });

  it('takes back a replacing verdict: the one it replaced is current again, feedbackAt still grows', async () => {
    const first = (
      await call('PUT', '/api/predictions/UNDO-1/feedback', undefined, { verdict: 'confirmed', by: 'ana' })
    ).body.feedback;
    const second = (
      await call('PUT', '/api/predictions/UNDO-1/feedback', undefined, {
        verdict: 'corrected',
        category: otherThan(predictedOf('UNDO-1')),
      })
    ).body.feedback;
    const undone = await call('DELETE', '/api/predictions/UNDO-1/feedback', { at: second.at });
    expect(undone.body).toEqual({ ticketId: 'UNDO-1', undone: second, feedback: first });
    const item = (await t.feedback.get('UNDO-1'))!;
    expect(item.feedback).toEqual(first);
    expect(item.feedbackHistory).toEqual([]);
    expect(item.feedbackAt! > second.at).toBe(true);
  });

  it('refuses (409) when the verdict changed since, or when there is none; 404 for an unknown ticket; 400 for a bad `at`', async () => {
    const given = (await call('PUT', '/api/predictions/UNDO-2/feedback', undefined, { verdict: 'confirmed' })).body
      .feedback;
    await call('PUT', '/api/predictions/UNDO-2/feedback', undefined, {
      verdict: 'corrected',
      category: otherThan(predictedOf('UNDO-2')),
      by: 'bob',
    });
    const stale = await call('DELETE', '/api/predictions/UNDO-2/feedback', { at: given.at });
    expect(stale).toMatchObject({
      status: 409,
      body: { error: 'Conflict', message: expect.stringMatching(/changed since .* by bob\); nothing was undone/) },
    });
    expect((await t.feedback.get('UNDO-2'))!.feedback!.by).toBe('bob');

    expect(await call('DELETE', '/api/predictions/UNDO-3/feedback')).toMatchObject({
      status: 409,
      body: { message: 'ticket UNDO-3 has no feedback to undo' },
    });
    expect((await call('DELETE', '/api/predictions/NOPE/feedback')).status).toBe(404);
    expect((await call('DELETE', '/api/predictions/UNDO-2/feedback', { at: 'yesterday' })).status).toBe(400);
  });
});

describe('GET /api/workflows', () => {
  it('lists the workflows and returns each ASL definition as deployed, with the function behind each placeholder', async () => {
    const list = (await call('GET', '/api/workflows')).body.workflows;
    expect(list).toEqual([
      { name: 'classify-ticket', description: WORKFLOWS['classify-ticket'].description, configured: true },
      { name: 'retrain-model', description: WORKFLOWS['retrain-model'].description, configured: true },
    ]);
    for (const name of ['classify-ticket', 'retrain-model'] as const) {
      const { status, body } = await call('GET', `/api/workflows/${name}`);
      expect(status).toBe(200);
      expect(body.definition).toEqual(JSON.parse(readFileSync(projectPath(WORKFLOWS[name].file), 'utf8')));
      expect(body.functions).toEqual(WORKFLOWS[name].functions);
    }
    expect(await call('GET', '/api/workflows/nope')).toMatchObject({ status: 404, body: { error: 'NotFound' } });
  });
});

describe('GET /api/runs/{executionName}?history=true', () => {
  it('the run state by state with inputs and outputs; ticket text hidden unless showText=true', async () => {
    const hidden = await call('GET', '/api/runs/ticket-UNDO-0', { workflow: 'classify-ticket', history: 'true' });
    expect(hidden.status).toBe(200);
    expect(hidden.body.textShown).toBe(false);
    expect(hidden.body.run).toMatchObject({ status: 'SUCCEEDED', modelVersion });
    const steps = hidden.body.history as {
      name: string;
      outcome: string;
      retries: number;
      input: unknown;
      output: unknown;
    }[];
    expect(steps.map((s) => [s.name, s.outcome, s.retries])).toEqual([
      ['PinModelVersion', 'succeeded', 0],
      ['Preprocess', 'succeeded', 0],
      ['Vectorize', 'succeeded', 0],
      ['Predict', 'succeeded', 0],
      ['PublishResult', 'succeeded', 0],
    ]);
    expect(steps[1]!.input).toMatchObject({
      ticket: {
        ticketId: 'UNDO-0',
        text: expect.stringMatching(/^‹ticket text hidden: \d+ characters›$/),
        subject: '‹ticket text hidden: 15 characters›',
      },
    });
    expect(steps[1]!.output).toMatchObject({
      preprocessed: { tokens: expect.stringMatching(/^‹ticket text hidden: \d+ items›$/) },
    });
    const everything = JSON.stringify(hidden.body);
    expect(everything).not.toContain('zebracorn');
    expect(everything).not.toContain('private subject');

    const shown = await call('GET', '/api/runs/ticket-UNDO-0', {
      workflow: 'classify-ticket',
      history: 'true',
      showText: 'true',
    });
    expect(shown.body.textShown).toBe(true);
    expect(shown.body.run.input.ticket.text).toContain('zebracorn');
    expect(shown.body.history[1].input.ticket.text).toContain('zebracorn');

    // Without history=true: the run alone (as before), its input's text hidden too.
    const plain = (await call('GET', '/api/runs/ticket-UNDO-0', { workflow: 'classify-ticket' })).body;
    expect(plain.history).toBeUndefined();
    expect(JSON.stringify(plain)).not.toContain('zebracorn');
  });

  it('lists classification runs with the model version each used', async () => {
    const runs = (await call('GET', '/api/runs', { workflow: 'classify-ticket' })).body.runs as {
      executionName: string;
      modelVersion?: string;
    }[];
    expect(runs.map((r) => r.executionName).sort()).toEqual(TICKETS.map((x) => `ticket-${x.ticketId}`).sort());
    expect(runs.every((r) => r.modelVersion === modelVersion)).toBe(true);
  });
});
