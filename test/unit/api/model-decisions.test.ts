import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createReviewApi, type ReviewApiDeps } from '../../../src/api/review-api.ts';
import type { ApiAuthMode } from '../../../src/api/roles.ts';
import { MODEL_FILES, packageModel, PROFILES, trainModel, type TrainedModel } from '../../../src/model/index.ts';
import { modelKey } from '../../../src/model-store/s3-model-store.ts';
import { apiGatewayEvent, type ApiRequest } from '../../support/api-events.ts';
import { InMemoryModelStore, InMemoryRegistry, modelRecord } from '../../support/fakes.ts';
import { lambdaContext } from '../../support/lambda.ts';
import { TRAINING_TICKETS } from '../../support/tickets.ts';

/**
 * Putting a version in service and rolling back through the review API: the
 * real router, roles and operations (src/operations/models.ts, as the CLI
 * runs them) on an in-memory registry and model store holding real artifacts.
 */
let trained: TrainedModel;
let registry: InMemoryRegistry;
let store: InMemoryModelStore;

const ADMIN = { email: 'admin@example.com', 'cognito:groups': '[admins]' };
const REVIEWER = { email: 'reviewer@example.com', 'cognito:groups': '[reviewers]' };

const unused = (what: string) =>
  new Proxy({} as never, {
    get: () => {
      throw new Error(`the model routes do not use ${what}`);
    },
  });

const deps = (): ReviewApiDeps => ({
  registry,
  store,
  predictions: unused('predictions'),
  feedback: unused('feedback'),
  manifest: () => Promise.reject(new Error('the model routes do not use manifest()')),
  sfn: unused('sfn'),
  stateMachines: {},
});

async function call(method: string, path: string, request: ApiRequest = {}, mode: ApiAuthMode = 'none') {
  const result = await createReviewApi(deps, { auth: () => mode })(
    apiGatewayEvent(method, path, request),
    lambdaContext('review-api'),
  );
  return { status: result.statusCode, body: JSON.parse(result.body) };
}

/** A real artifact of version `version` in the store. */
const storeModel = (version: string) =>
  store.put(packageModel(trained, { lineage: { dataset: { sha256: 'a'.repeat(64), rows: 1 } }, version }));

beforeAll(async () => {
  trained = await trainModel({
    texts: TRAINING_TICKETS.map((r) => r.text),
    labels: TRAINING_TICKETS.map((r) => r.label),
    profile: PROFILES.reference,
  });
});

/** v1 was in service, then v2 (now in service); v3 rejected by the gate; v4 failed; v5 a candidate of a run; all with artifacts. */
beforeEach(async () => {
  store = new InMemoryModelStore();
  for (const v of ['v1', 'v2', 'v3', 'v4', 'v5']) storeModel(v);
  registry = new InMemoryRegistry([
    modelRecord('v1', { status: 'promoted', createdAt: '2026-11-01T00:00:00.000Z' }),
    modelRecord('v2', { status: 'promoted', createdAt: '2026-11-02T00:00:00.000Z' }),
    modelRecord('v3', { status: 'rejected', statusReason: 'rejected by the retraining gate: accuracy does not hold' }),
    modelRecord('v4', { status: 'failed', statusReason: 'the retraining failed in Evaluate (Error): boom' }),
    modelRecord('v5', { status: 'candidate', retrainExecution: 'retrain-20261128-100000-abcd' }),
  ]);
  await registry.movePointer('v1', undefined, 'bootstrap');
  await registry.movePointer('v2', 'v1', 'promoted by the retraining gate');
});

describe('POST /api/models/{version}/promote', () => {
  it('puts a version the gate rejected in service, recorded as a person’s decision: who (from the token) and why', async () => {
    const response = await call(
      'POST',
      '/api/models/v3/promote',
      { body: { reason: 'fewer VPN tickets misrouted', by: 'someone else', expectedInService: 'v2' }, claims: ADMIN },
      'jwt',
    );
    expect(response).toEqual({ status: 200, body: { version: 'v3', previousVersion: 'v2' } });
    expect(registry.pointer).toMatchObject({
      modelVersion: 'v3',
      previousVersion: 'v2',
      reason: 'promoted by hand by admin@example.com: fewer VPN tickets misrouted',
    });
    expect(await registry.get('v3')).toMatchObject({
      status: 'promoted',
      statusReason: 'promoted by hand by admin@example.com: fewer VPN tickets misrouted (replacing v2)',
    });
  });

  it('without sign-in (npm start) takes `by` from the body; the body may be left out', async () => {
    expect((await call('POST', '/api/models/v3/promote', { body: { by: 'ana' } })).status).toBe(200);
    expect(registry.pointer?.reason).toBe('promoted by hand by ana');
    expect(await call('POST', '/api/models/v1/promote')).toEqual({
      status: 200,
      body: { version: 'v1', previousVersion: 'v3' },
    });
    expect(registry.pointer?.reason).toBe('promoted by hand');
  });

  it('404 for a version the registry does not have; 400 for one that cannot be a version (the pointer’s own key)', async () => {
    expect(await call('POST', '/api/models/v9/promote')).toEqual({
      status: 404,
      body: { error: 'NotFound', message: 'there is no model version "v9" in the registry' },
    });
    const pointerKey = await call('POST', `/api/models/${encodeURIComponent('@in-service')}/promote`);
    expect(pointerKey).toMatchObject({ status: 400, body: { error: 'BadRequest' } });
    expect(registry.pointer?.modelVersion).toBe('v2');
  });

  it('409 for the version in service, and when the model in service is not the one the person saw', async () => {
    expect(await call('POST', '/api/models/v2/promote')).toEqual({
      status: 409,
      body: { error: 'Conflict', message: 'model v2 is already in service' },
    });
    const stale = await call('POST', '/api/models/v3/promote', { body: { expectedInService: 'v1' } });
    expect(stale).toEqual({
      status: 409,
      body: {
        error: 'Conflict',
        message: 'the model in service is v2 by now, not v1; nothing was changed (look at the registry again)',
      },
    });
    expect(registry.pointer?.modelVersion).toBe('v2');
  });

  it('409 when the pointer moves between reading it and moving it (a conditional write): the other move stands', async () => {
    registry.beforeMove = () => {
      registry.beforeMove = undefined;
      registry.pointer = { ...registry.pointer!, modelVersion: 'v1', revision: registry.pointer!.revision + 1 };
    };
    const raced = await call('POST', '/api/models/v3/promote');
    expect(raced.status).toBe(409);
    expect(raced.body.message).toMatch(/^the model in service changed meanwhile .*; nothing was changed, try again$/);
    expect(registry.pointer?.modelVersion).toBe('v1');
    expect((await registry.get('v3'))?.status).toBe('rejected');
  });

  it('422 for a version no retraining judged (failed, or a candidate still being decided)', async () => {
    expect(await call('POST', '/api/models/v4/promote')).toEqual({
      status: 422,
      body: {
        error: 'ModelNotServable',
        message:
          'model v4 cannot be put in service: its retraining failed before judging it (the retraining failed in Evaluate (Error): boom)',
      },
    });
    expect(await call('POST', '/api/models/v5/promote')).toEqual({
      status: 422,
      body: {
        error: 'ModelNotServable',
        message:
          'model v5 cannot be put in service: it is a candidate its retraining (retrain-20261128-100000-abcd) has not judged yet',
      },
    });
    expect(registry.pointer?.modelVersion).toBe('v2');
  });

  it('422 for a version whose artifact is missing or does not match its checksums', async () => {
    store.objects.delete(modelKey('v1', MODEL_FILES.manifest));
    const missing = await call('POST', '/api/models/v1/promote');
    expect(missing.status).toBe(422);
    expect(missing.body.message).toMatch(
      /^model v1 cannot be put in service: its artifact does not load \(model version v1 is not in /,
    );
    const classifier = modelKey('v3', 'classifier.bin');
    const bytes = store.objects.get(classifier)!.slice();
    bytes[bytes.length - 1] = bytes.at(-1)! ^ 0xff;
    store.objects.set(classifier, bytes);
    const corrupt = await call('POST', '/api/models/v3/promote');
    expect(corrupt.status).toBe(422);
    expect(corrupt.body.message).toMatch(/its artifact does not load \(classifier\.bin does not match its checksum/);
    expect(registry.pointer?.modelVersion).toBe('v2');
  });

  it('refuses a body it does not understand, naming the field', async () => {
    expect(await call('POST', '/api/models/v3/promote', { body: { because: 'x' } })).toMatchObject({
      status: 400,
      body: { error: 'BadRequest', message: expect.stringContaining('because') },
    });
    expect(await call('POST', '/api/models/v3/promote', { body: { reason: 'x'.repeat(501) } })).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/^field "reason": /) },
    });
    expect((await call('POST', '/api/models/v3/promote', { rawBody: '{' })).body.message).toBe(
      'the request body is not valid JSON',
    );
    expect(registry.pointer?.modelVersion).toBe('v2');
  });
});

describe('POST /api/models/rollback', () => {
  it('puts back the model in service before, and records the one taken out as rolled back (who, why)', async () => {
    const models = await call('GET', '/api/models');
    expect(models.body.inService).toMatchObject({ version: 'v2', previousVersion: 'v1', rollbackTo: 'v1' });
    const response = await call(
      'POST',
      '/api/models/rollback',
      { body: { reason: 'misroutes printer tickets', expectedInService: 'v2' }, claims: ADMIN },
      'jwt',
    );
    expect(response).toEqual({ status: 200, body: { version: 'v1', previousVersion: 'v2' } });
    expect(registry.pointer).toMatchObject({
      modelVersion: 'v1',
      reason: 'rolled back by admin@example.com from v2: misroutes printer tickets',
    });
    expect((await registry.get('v2'))?.statusReason).toMatch(
      /^rolled back by admin@example\.com to v1 on \S+: misroutes printer tickets$/,
    );
    expect((await registry.get('v2'))?.status).toBe('rejected');
  });

  it('409 when there is nothing to roll back to, or no model in service', async () => {
    await call('POST', '/api/models/rollback');
    expect((await call('GET', '/api/models')).body.inService).toMatchObject({ version: 'v1', rollbackTo: null });
    expect(await call('POST', '/api/models/rollback')).toEqual({
      status: 409,
      body: {
        error: 'Conflict',
        message: 'there is no earlier model to roll back to (v1 is the only one that was in service)',
      },
    });
    registry.pointer = undefined;
    expect(await call('POST', '/api/models/rollback')).toMatchObject({
      status: 409,
      body: { message: 'no model is in service: there is nothing to roll back' },
    });
  });

  it('409 when the model in service is not the one the person saw (nothing is rolled back)', async () => {
    expect(await call('POST', '/api/models/rollback', { body: { expectedInService: 'v1' } })).toMatchObject({
      status: 409,
      body: { message: 'the model in service is v2 by now, not v1; nothing was changed (look at the registry again)' },
    });
    expect(registry.pointer?.modelVersion).toBe('v2');
  });
});

describe('with sign-in: admins only', () => {
  it.each([
    ['POST', '/api/models/v3/promote'],
    ['POST', '/api/models/rollback'],
  ])('%s %s: 403 for a reviewer, naming the role; nothing moves', async (method, path) => {
    const refused = await call(method, path, { body: {}, claims: REVIEWER }, 'jwt');
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/needs the admins role; you have the reviewers role$/);
    expect(registry.pointer?.modelVersion).toBe('v2');
  });
});
