import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../handlers/review-api.ts';
import { MODEL_FILES } from '../../src/model/artifact.ts';
import { modelKey } from '../../src/model-store/s3-model-store.ts';
import { apiGatewayEvent } from '../support/api-events.ts';
import { lambdaContext } from '../support/lambda.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * Putting a version in service and rolling back through the review API
 * handler, against the local stack's real DynamoDB and S3 (no mocks); the
 * classify-ticket workflow then classifies with the version in service.
 */
let t: TestStack;
/** Put in service one after the other: `second` is in service, `first` before it. */
let first: string;
let second: string;

async function call(method: string, path: string, options: Parameters<typeof apiGatewayEvent>[2] = {}) {
  const result = await handler(apiGatewayEvent(method, path, options), lambdaContext('review-api'));
  return { status: result.statusCode, body: JSON.parse(result.body) };
}

const ADMIN = { email: 'admin@example.com', 'cognito:groups': '[admins]' };

/** Classifies one ticket through the workflow and says which model version did it. */
let sent = 0;
async function classifiedBy(): Promise<string> {
  const ticketId = `MODELS-${sent++}`;
  await t.send({ ticketId, body: 'printer jammed again on the second floor' });
  await t.until(() => t.outputs.some((o) => o.ticketId === ticketId), 30_000);
  return t.outputs.find((o) => o.ticketId === ticketId)!.modelVersion;
}

beforeAll(async () => {
  t = await startTestStack();
  first = await t.bootstrap();
  second = await t.bootstrap({ extra: [{ text: 'the office wifi keeps dropping', label: 'Hardware' }] });
}, 60_000);

afterAll(async () => t?.stop());

describe('rolling back and putting a version in service, as an admin', () => {
  it('rolls back to the version in service before: recorded with who and why; the workflow classifies with it', async () => {
    const listed = await call('GET', '/api/models');
    expect(listed.body.inService).toMatchObject({ version: second, previousVersion: first, rollbackTo: first });

    const response = await call('POST', '/api/models/rollback', {
      body: { reason: 'misroutes printer tickets', expectedInService: second },
      claims: ADMIN,
    });
    expect(response).toEqual({ status: 200, body: { version: first, previousVersion: second } });
    expect(await t.registry.inService()).toMatchObject({
      modelVersion: first,
      previousVersion: second,
      reason: `rolled back by admin@example.com from ${second}: misroutes printer tickets`,
    });
    expect(await t.registry.get(second)).toMatchObject({
      status: 'rejected',
      statusReason: expect.stringMatching(
        /^rolled back by admin@example\.com to \S+ on \S+: misroutes printer tickets/,
      ),
    });
    expect(await classifiedBy()).toBe(first);

    const detail = (await call('GET', `/api/models/${second}`)).body.model;
    expect(detail.serviceHistory[0]).toMatchObject({ event: 'taken out of service', other: first });
  });

  it('409: nothing earlier to roll back to (the rolled-back version does not come back by rolling back)', async () => {
    expect((await call('GET', '/api/models')).body.inService).toMatchObject({ version: first, rollbackTo: null });
    expect(await call('POST', '/api/models/rollback', { claims: ADMIN })).toEqual({
      status: 409,
      body: {
        error: 'Conflict',
        message: `there is no earlier model to roll back to (${first} is the only one that was in service)`,
      },
    });
  });

  it('puts the rolled-back version in service again by hand; the workflow classifies with it', async () => {
    const response = await call('POST', `/api/models/${second}/promote`, {
      body: { expectedInService: first },
      claims: ADMIN,
    });
    expect(response).toEqual({ status: 200, body: { version: second, previousVersion: first } });
    expect(await t.registry.get(second)).toMatchObject({
      status: 'promoted',
      statusReason: `promoted by hand by admin@example.com (replacing ${first})`,
    });
    expect(await classifiedBy()).toBe(second);
  });

  it('409 for the version in service, and when the one in service is not the one the caller saw', async () => {
    expect(await call('POST', `/api/models/${second}/promote`, { claims: ADMIN })).toMatchObject({
      status: 409,
      body: { error: 'Conflict', message: `model ${second} is already in service` },
    });
    expect(
      await call('POST', `/api/models/${first}/promote`, { body: { expectedInService: first }, claims: ADMIN }),
    ).toMatchObject({ status: 409, body: { error: 'Conflict' } });
    expect(
      await call('POST', '/api/models/rollback', { body: { expectedInService: first }, claims: ADMIN }),
    ).toMatchObject({
      status: 409,
      body: {
        message: `the model in service is ${second} by now, not ${first}; nothing was changed (look at the registry again)`,
      },
    });
    expect((await t.registry.inService())!.modelVersion).toBe(second);
  });

  it('404 for a version the registry does not have', async () => {
    expect(await call('POST', '/api/models/20990101-000000-reference-00000000/promote', { claims: ADMIN })).toEqual({
      status: 404,
      body: {
        error: 'NotFound',
        message: 'there is no model version "20990101-000000-reference-00000000" in the registry',
      },
    });
  });

  it('422 for a version whose retraining failed, and for one whose artifact is gone', async () => {
    const record = (await t.registry.get(first))!;
    await t.registry.register({
      ...record,
      version: 'failed-version',
      status: 'failed',
      statusReason: 'the retraining failed in Evaluate (Error): boom',
    });
    expect(await call('POST', '/api/models/failed-version/promote', { claims: ADMIN })).toEqual({
      status: 422,
      body: {
        error: 'ModelNotServable',
        message:
          'model failed-version cannot be put in service: its retraining failed before judging it (the retraining failed in Evaluate (Error): boom)',
      },
    });
    await t.registry.register({ ...record, version: 'no-artifact', status: 'rejected' });
    const missing = await call('POST', '/api/models/no-artifact/promote', { claims: ADMIN });
    expect(missing.status).toBe(422);
    expect(missing.body.message).toBe(
      `model no-artifact cannot be put in service: its artifact does not load (model version no-artifact is not in s3://${t.store.bucket}/${modelKey('no-artifact', MODEL_FILES.manifest)})`,
    );
    expect((await t.registry.inService())!.modelVersion).toBe(second);
  });
});
