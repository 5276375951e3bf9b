import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../handlers/review-api.ts';
import { handler as vectorizeHandler } from '../../handlers/vectorize-ticket.ts';
import { logger } from '../../src/lambda/logger.ts';
import { FEEDBACK_HISTORY_LIMIT } from '../../src/feedback/rules.ts';
import { apiGatewayEvent } from '../support/api-events.ts';
import { lambdaContext } from '../support/lambda.ts';
import { MORE_KNOWN_TICKETS } from '../support/feedback-tickets.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * The review API handler against the local stack's real DynamoDB, S3 and
 * Step Functions endpoint (no mocks): tickets are classified by the real
 * classify-ticket workflow first.
 */
let t: TestStack;
let modelVersion: string;
let release: (() => void) | undefined;

const event = apiGatewayEvent;

async function call(method: string, path: string, options: Parameters<typeof event>[2] = {}) {
  const result = await handler(event(method, path, options), lambdaContext('review-api'));
  return { status: result.statusCode, headers: result.headers ?? {}, body: JSON.parse(result.body) };
}

const TICKETS = MORE_KNOWN_TICKETS.slice(0, 12).map((r, i) => ({
  ticketId: `API-${String(i).padStart(2, '0')}`,
  ...r,
}));

beforeAll(async () => {
  t = await startTestStack({
    settings: { MIN_NEW_FEEDBACK: '1000' },
    functionOverrides: {
      'vectorize-ticket': async (e: { tokens: string[] }) => {
        if (e.tokens.includes('markerbroken')) throw new Error('the vocabulary is broken for this ticket');
        return vectorizeHandler(e);
      },
      'gather-feedback': async (e: unknown) => {
        if (release) await new Promise<void>((r) => (release = r));
        const { handler: gather } = await import('../../handlers/gather-feedback.ts');
        return gather(e);
      },
    },
  });
  modelVersion = await t.bootstrap();
  for (const ticket of TICKETS) await t.send({ ticketId: ticket.ticketId, subject: 'help', body: ticket.text });
  await t.send({ ticketId: 'API-FAILED', body: 'markerbroken printer' });
  await t.until(() => t.outputs.length >= TICKETS.length && t.rejections.length >= 1, 30_000);
}, 60_000);

afterAll(async () => t?.stop());

describe('GET /api/predictions', () => {
  it('lists tickets newest first as summaries, page by page with a cursor', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call('GET', '/api/predictions', { query: { limit: '5', ...(cursor && { cursor }) } });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(5);
      for (const item of page.body.items) {
        expect(item).not.toHaveProperty('text');
        expect(item).not.toHaveProperty('explanation');
        expect(item).not.toHaveProperty('listKey');
        expect(typeof item.textPreview).toBe('string');
      }
      seen.push(...page.body.items.map((i: { ticketId: string }) => i.ticketId));
      cursor = page.body.cursor ?? undefined;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual([...TICKETS.map((x) => x.ticketId), 'API-FAILED'].sort());
    const all = (await call('GET', '/api/predictions', { query: { limit: '100' } })).body.items as {
      classifiedAt: string;
    }[];
    expect(all.map((i) => i.classifiedAt)).toEqual([...all.map((i) => i.classifiedAt)].sort().reverse());
  });

  it('filters by needsReview, category, status and hasFeedback', async () => {
    const all = (await call('GET', '/api/predictions', { query: { limit: '100' } })).body.items as {
      ticketId: string;
      needsReview?: boolean;
      category?: string;
      status: string;
    }[];
    const review = (await call('GET', '/api/predictions', { query: { needsReview: 'true', limit: '100' } })).body
      .items as { ticketId: string }[];
    expect(review.map((i) => i.ticketId).sort()).toEqual(
      all
        .filter((i) => i.needsReview === true)
        .map((i) => i.ticketId)
        .sort(),
    );
    const hardware = (await call('GET', '/api/predictions', { query: { category: 'Hardware', limit: '2' } })).body;
    expect(hardware.items.every((i: { category: string }) => i.category === 'Hardware')).toBe(true);
    const failed = (await call('GET', '/api/predictions', { query: { status: 'failed' } })).body.items;
    expect(failed.map((i: { ticketId: string }) => i.ticketId)).toEqual(['API-FAILED']);
  });

  it.each([
    [{ needsReview: 'maybe' }, /query parameter "needsReview": must be true or false/],
    [{ limit: '0' }, /query parameter "limit"/],
    [{ limit: 'many' }, /query parameter "limit"/],
    [{ cursor: 'not-a-cursor' }, /the cursor is not valid/],
  ])('answers 400 for %j', async (query, message) => {
    const response = await call('GET', '/api/predictions', { query });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: 'BadRequest', message: expect.stringMatching(message) });
  });
});

describe('GET /api/predictions/{ticketId}', () => {
  it('returns the whole ticket: text, explanation, prediction', async () => {
    const response = await call('GET', '/api/predictions/API-00');
    expect(response.status).toBe(200);
    expect(response.body.ticket).toMatchObject({
      ticketId: 'API-00',
      status: 'classified',
      modelVersion,
      text: `help\n${TICKETS[0]!.text}`,
    });
    expect(Array.isArray(response.body.ticket.explanation)).toBe(true);
  });

  it('answers 404 for an unknown ticket, also with an encoded id', async () => {
    expect(await call('GET', '/api/predictions/NOPE')).toEqual({
      status: 404,
      headers: expect.anything(),
      body: { error: 'NotFound', message: 'there is no ticket "NOPE"' },
    });
    expect((await call('GET', '/api/predictions/a%2Fb')).body.message).toBe('there is no ticket "a/b"');
  });
});

describe('PUT /api/predictions/{ticketId}/feedback', () => {
  const put = (ticketId: string, body: unknown, claims?: Record<string, string>) =>
    call('PUT', `/api/predictions/${ticketId}/feedback`, { body, ...(claims && { claims }) });

  it('confirms a prediction: the sparse feedback index finds the ticket', async () => {
    const predicted = (await t.predictions.get('API-01'))!.category!;
    const response = await put('API-01', { verdict: 'confirmed', by: 'ana' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      ticketId: 'API-01',
      feedback: { verdict: 'confirmed', category: predicted, predictedCategory: predicted, modelVersion, by: 'ana' },
      replaced: null,
    });
    const item = await t.feedback.get('API-01');
    expect(item).toMatchObject({ feedbackListKey: 'feedback', feedbackAt: response.body.feedback.at });
    const indexed = [];
    for await (const entry of t.feedback.entries()) indexed.push(entry.ticketId);
    expect(indexed).toContain('API-01');
  });

  it('feedback survives the prediction being recorded again by the same execution (a retried step)', async () => {
    const before = (await t.predictions.get('API-01'))!;
    const {
      listKey: _listKey,
      feedback: _feedback,
      feedbackAt: _at,
      feedbackListKey: _list,
      feedbackHistory: _history,
      ...prediction
    } = before as typeof before & Record<string, unknown>;
    await t.predictions.record(prediction as Parameters<typeof t.predictions.record>[0]);
    expect(await t.feedback.get('API-01')).toMatchObject({
      feedback: { verdict: 'confirmed' },
      feedbackListKey: 'feedback',
    });
  });

  it('re-submitting replaces the verdict and keeps a bounded history', async () => {
    const predicted = (await t.predictions.get('API-02'))!.category!;
    const other = ['Hardware', 'Access', 'Purchase'].find((c) => c !== predicted)!;
    const first = await put('API-02', { verdict: 'confirmed' });
    const second = await put('API-02', { verdict: 'corrected', category: other, by: 'bo' });
    expect(second.status).toBe(200);
    expect(second.body.replaced).toEqual(first.body.feedback);
    expect(second.body.feedback.at > first.body.feedback.at).toBe(true);
    for (let i = 0; i < FEEDBACK_HISTORY_LIMIT + 3; i++)
      await put('API-02', i % 2 ? { verdict: 'confirmed' } : { verdict: 'corrected', category: other });
    const ticket = (await call('GET', '/api/predictions/API-02')).body.ticket;
    expect(ticket.feedbackHistory).toHaveLength(FEEDBACK_HISTORY_LIMIT);
    expect(ticket.feedbackHistory[0].at < ticket.feedback.at).toBe(true);
  });

  it('takes "by" from the caller\'s token when there is one', async () => {
    const response = await put(
      'API-03',
      { verdict: 'confirmed', by: 'someone else' },
      { email: 'reviewer@example.com', sub: 'abc' },
    );
    expect(response.body.feedback.by).toBe('reviewer@example.com');
  });

  it('refuses a category the model does not know, unless allowNewCategory', async () => {
    const refused = await put('API-04', { verdict: 'corrected', category: 'Network' });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toBe('UnknownCategory');
    expect(refused.body.message).toMatch(
      /the model does not know the category "Network" \(it knows: Access, Hardware, Purchase\).*"allowNewCategory": true/,
    );
    const accepted = await put('API-04', { verdict: 'corrected', category: 'Network', allowNewCategory: true });
    expect(accepted.status).toBe(200);
    expect(accepted.body.feedback).toMatchObject({ verdict: 'corrected', category: 'Network', newCategory: true });
  });

  it.each([
    ['an unknown ticket', 'NOPE', { verdict: 'confirmed' }, 404, 'UnknownTicket', /there is no ticket "NOPE"/],
    [
      'a correction without a category',
      'API-05',
      { verdict: 'corrected' },
      422,
      'InvalidFeedback',
      /a correction needs the right category/,
    ],
    [
      'a confirmation naming another category',
      'API-05',
      { verdict: 'confirmed', category: 'Zzz' },
      422,
      'InvalidFeedback',
      /send verdict "corrected"/,
    ],
    ['an unknown verdict', 'API-05', { verdict: 'maybe' }, 400, 'BadRequest', /field "verdict"/],
    ['an unexpected field', 'API-05', { verdict: 'confirmed', extra: 1 }, 400, 'BadRequest', /extra/],
    [
      'confirming a ticket whose classification failed',
      'API-FAILED',
      { verdict: 'confirmed' },
      422,
      'InvalidFeedback',
      /nothing to confirm/,
    ],
  ])('answers %s with a clear error', async (_, ticketId, body, status, error, message) => {
    const response = await put(ticketId, body);
    expect(response.status).toBe(status);
    expect(response.body.error).toBe(error);
    expect(response.body.message).toMatch(message);
  });

  it('refuses a "correction" to the predicted category, and a body that is not JSON', async () => {
    const predicted = (await t.predictions.get('API-05'))!.category!;
    expect((await put('API-05', { verdict: 'corrected', category: predicted })).body.message).toMatch(
      /send verdict "confirmed"/,
    );
    const bad = await call('PUT', '/api/predictions/API-05/feedback', { rawBody: '{"verdict":' });
    expect(bad).toMatchObject({
      status: 400,
      body: { error: 'BadRequest', message: 'the request body is not valid JSON' },
    });
    expect((await call('PUT', '/api/predictions/API-05/feedback')).body.message).toBe('the request needs a JSON body');
  });

  it('accepts the right category for a ticket whose classification failed', async () => {
    const response = await put('API-FAILED', { verdict: 'corrected', category: 'Hardware' });
    expect(response.status).toBe(200);
    expect(response.body.feedback).toEqual(expect.objectContaining({ verdict: 'corrected', category: 'Hardware' }));
    expect(response.body.feedback).not.toHaveProperty('predictedCategory');
  });

  it('never writes ticket text to the logs', async () => {
    const written: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    const level = logger.getLevelName();
    logger.setLogLevel('DEBUG');
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      written.push(String(chunk));
      return original(chunk, ...rest);
    }) as typeof process.stdout.write;
    try {
      await put('API-06', { verdict: 'confirmed' });
      await call('GET', '/api/predictions/API-06');
      await call('GET', '/api/predictions', { query: { limit: '100' } });
      await put('NOPE', { verdict: 'confirmed' });
    } finally {
      process.stdout.write = original;
      logger.setLogLevel(level);
    }
    expect(written.join('')).toMatch(/review API request/);
    for (const ticket of TICKETS) expect(written.join('')).not.toContain(ticket.text);
  });
});

describe('GET /api/stats', () => {
  it('counts feedback given today and the share that confirmed the prediction', async () => {
    const stats = (await call('GET', '/api/stats')).body;
    let total = 0;
    let confirmed = 0;
    for await (const entry of t.feedback.entries()) {
      total += 1;
      if (entry.feedback.verdict === 'confirmed') confirmed += 1;
    }
    expect(stats).toMatchObject({
      day: new Date().toISOString().slice(0, 10),
      reviewedToday: total,
      total,
      confirmed,
      corrected: total - confirmed,
      modelInService: modelVersion,
    });
    expect(stats.agreementRate).toBeCloseTo(confirmed / total, 10);
  });
});

describe('GET /api/models', () => {
  it('lists the registry with the model in service', async () => {
    const response = await call('GET', '/api/models');
    expect(response.status).toBe(200);
    expect(response.body.inService).toMatchObject({ version: modelVersion, reason: 'bootstrap from test fixtures' });
    expect(response.body.models).toEqual([
      expect.objectContaining({ version: modelVersion, status: 'promoted', inService: true }),
    ]);
  });

  it('describes one version: lineage, metrics with per-class figures and confusion matrix', async () => {
    const { model } = (await call('GET', `/api/models/${modelVersion}`)).body;
    expect(model).toMatchObject({
      version: modelVersion,
      inService: true,
      manifest: {
        profile: 'reference',
        labels: ['Access', 'Hardware', 'Purchase'],
        lineage: { dataset: { source: 'test fixtures' } },
      },
    });
    expect(model.metrics.perClass).toHaveLength(3);
    expect(model.metrics.confusion).toHaveLength(3);
    // Its routing, and the coverage / precision of its automatic routes and ECE on the bootstrap holdout.
    expect(model.routing).toEqual({ targetPrecision: 0.95, threshold: expect.any(Number) });
    expect(model.metrics.routing.perCategory.map((c: { label: string }) => c.label)).toEqual([
      'Access',
      'Hardware',
      'Purchase',
    ]);
    expect(model).toMatchObject({
      coverage: model.metrics.routing.coverage,
      autoPrecision: model.metrics.routing.autoPrecision,
      ece: model.metrics.ece,
      targetPrecision: 0.95,
    });
    expect(model.serviceHistory).toEqual([
      expect.objectContaining({ event: 'put in service', reason: 'bootstrap from test fixtures' }),
    ]);
    expect(await call('GET', '/api/models/nope')).toMatchObject({
      status: 404,
      body: { error: 'NotFound', message: 'there is no model version "nope" in the registry' },
    });
  });
});

describe('retraining runs', () => {
  it('POST /api/retrain starts a run (409 while one runs); /api/runs lists and describes it', async () => {
    release = () => undefined; // hold GatherFeedback until released
    const started = await call('POST', '/api/retrain', { body: { by: 'ana' } });
    expect(started.status).toBe(202);
    expect(started.body.executionName).toMatch(/^retrain-\d{8}-\d{6}-[0-9a-f]{4}$/);
    await expect
      .poll(async () => (await call('GET', '/api/runs', { query: { status: 'RUNNING' } })).body.runs.length, {
        timeout: 5000,
      })
      .toBe(1);
    const again = await call('POST', '/api/retrain');
    expect(again.status).toBe(409);
    expect(again.body.message).toContain(started.body.executionName);
    const go = release;
    release = undefined;
    go?.();
    await t.stack.runtime.stepFunctions.waitForExecution(started.body.executionArn);

    const runs = (await call('GET', '/api/runs')).body;
    expect(runs.workflow).toBe('retrain-model');
    expect(runs.runs[0]).toMatchObject({
      executionName: started.body.executionName,
      status: 'SUCCEEDED',
      outcome: 'skipped',
      reason: expect.stringMatching(/^skipped: not enough new feedback/),
    });
    const run = (await call('GET', `/api/runs/${started.body.executionName}`)).body.run;
    expect(run.input).toEqual({ trigger: 'api', by: 'ana' });
    expect(run.steps.map((s: { name: string }) => s.name)).toEqual([
      'GatherFeedback',
      'EnoughNewFeedback',
      'NotEnoughFeedback',
    ]);
  });

  it('reads classify-ticket runs too, and answers 404/400 for unknown runs and workflows', async () => {
    const classify = (await call('GET', '/api/runs', { query: { workflow: 'classify-ticket', status: 'FAILED' } }))
      .body;
    expect(classify.runs.map((r: { executionName: string }) => r.executionName)).toEqual(['ticket-API-FAILED']);
    expect(
      (await call('GET', '/api/runs/ticket-API-00', { query: { workflow: 'classify-ticket' } })).body.run.status,
    ).toBe('SUCCEEDED');
    expect(await call('GET', '/api/runs/retrain-nope')).toMatchObject({
      status: 404,
      body: { error: 'NotFound', message: 'there is no run "retrain-nope"' },
    });
    expect((await call('GET', '/api/runs', { query: { workflow: 'other' } })).status).toBe(400);
  });
});

describe('routing and the local HTTP server', () => {
  it('answers 404 for unknown paths and 405 (with Allow) for a wrong method', async () => {
    expect(await call('GET', '/api/nothing')).toMatchObject({ status: 404, body: { error: 'NotFound' } });
    const wrong = await call('DELETE', '/api/predictions/API-00');
    expect(wrong).toMatchObject({ status: 405, headers: { allow: 'GET' }, body: { error: 'MethodNotAllowed' } });
  });

  it('serves the same handler over HTTP on 127.0.0.1 (webUrl), JSON in and out', async () => {
    expect(t.stack.webUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const stats = await fetch(`${t.stack.webUrl}/api/stats`);
    expect(stats.status).toBe(200);
    expect(stats.headers.get('content-type')).toMatch(/application\/json/);
    const put = await fetch(`${t.stack.webUrl}/api/predictions/API-07/feedback`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ verdict: 'confirmed', by: 'http' }),
    });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { feedback: { by: string } }).feedback.by).toBe('http');
    const list = await fetch(`${t.stack.webUrl}/api/predictions?hasFeedback=true&limit=100`);
    expect(((await list.json()) as { items: { ticketId: string }[] }).items.map((i) => i.ticketId)).toContain('API-07');
    const outside = await fetch(`${t.stack.webUrl}/index.html`);
    expect(outside.status).toBe(404);
    // An error thrown by a store (a module the Lambda instances share) keeps its status from the one
    // error table: the instance's error handler and the store see the same TriageError class.
    const unknown = await fetch(`${t.stack.webUrl}/api/predictions/NO-SUCH-TICKET/feedback`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ verdict: 'confirmed', by: 'http' }),
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'UnknownTicket' });
  });
});

describe('routes: every prediction carries one; the list filters by route and reason', () => {
  /** A ticket recorded straight in the table: `fields` says how it was routed. */
  const record = (ticketId: string, fields: Record<string, unknown>) =>
    t.predictions.record({
      ticketId,
      executionName: `ticket-${ticketId}`,
      status: 'classified',
      text: 'my monitor is broken',
      truncated: false,
      receivedAt: new Date().toISOString(),
      category: 'Hardware',
      probability: 0.42,
      top: [{ category: 'Hardware', probability: 0.42 }],
      explanation: [],
      modelVersion,
      classifiedAt: new Date().toISOString(),
      ...fields,
    });
  type Item = { ticketId: string; route?: string; reason?: string; needsReview?: boolean; status: string };
  const list = async (query: Record<string, string>) =>
    (await call('GET', '/api/predictions', { query: { limit: '100', ...query } })).body.items as Item[];
  const ids = (items: Item[]) => items.map((i) => i.ticketId).sort();

  beforeAll(async () => {
    await record('ROUTE-UNKNOWN', { route: 'review', reason: 'unknown', needsReview: true });
    // Recorded before routing was added: only needsReview.
    await record('OLD-REVIEW', { needsReview: true });
    await record('OLD-AUTO', { needsReview: false, probability: 0.97 });
  });

  it('classified tickets have route = review exactly when needsReview, and a reason with review', async () => {
    const all = await list({});
    for (const item of all.filter((i) => i.status === 'classified')) {
      expect(item.route, item.ticketId).toMatch(/^(auto|review)$/);
      expect(item.needsReview, item.ticketId).toBe(item.route === 'review');
      if (item.route === 'review') expect(item.reason, item.ticketId).toMatch(/^(low-confidence|unknown)$/);
      else expect(item, item.ticketId).not.toHaveProperty('reason');
    }
    // A failed classification has no route.
    expect(all.find((i) => i.ticketId === 'API-FAILED')).not.toHaveProperty('route');
    // Tickets from before routing get the route their needsReview implies.
    expect(all.find((i) => i.ticketId === 'OLD-REVIEW')).toMatchObject({ route: 'review', reason: 'low-confidence' });
    expect(all.find((i) => i.ticketId === 'OLD-AUTO')).toMatchObject({ route: 'auto' });
    expect((await call('GET', '/api/predictions/OLD-REVIEW')).body.ticket).toMatchObject({
      route: 'review',
      reason: 'low-confidence',
    });
  });

  it('route=review|auto splits the classified tickets; reason narrows review', async () => {
    const all = (await list({})).filter((i) => i.status === 'classified');
    const review = await list({ route: 'review' });
    const auto = await list({ route: 'auto' });
    expect(ids(review)).toEqual(ids(all.filter((i) => i.route === 'review')));
    expect(ids(auto)).toEqual(ids(all.filter((i) => i.route === 'auto')));
    expect(ids(review)).toEqual(expect.arrayContaining(['OLD-REVIEW', 'ROUTE-UNKNOWN']));
    expect(ids(auto)).toContain('OLD-AUTO');
    expect(ids(await list({ reason: 'unknown' }))).toEqual(['ROUTE-UNKNOWN']);
    const lowConfidence = await list({ reason: 'low-confidence' });
    expect(ids(lowConfidence)).toEqual(ids(review.filter((i) => i.reason === 'low-confidence')));
    expect(ids(lowConfidence)).toContain('OLD-REVIEW');
    expect(ids(await list({ route: 'review', reason: 'unknown' }))).toEqual(['ROUTE-UNKNOWN']);
  });

  it.each([
    [{ route: 'maybe' }, /query parameter "route"/],
    [{ reason: 'bored' }, /query parameter "reason"/],
    [
      { route: 'auto', reason: 'unknown' },
      /reason is why a ticket goes to review: it goes with route=review, not auto/,
    ],
  ])('answers 400 for %j', async (query, message) => {
    const response = await call('GET', '/api/predictions', { query });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: 'BadRequest', message: expect.stringMatching(message) });
  });
});
