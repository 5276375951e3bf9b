import { ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toSqsJson } from '../../src/aws/queues.ts';
import { startEmulators, type Emulators } from '../../src/local/emulators.ts';

/**
 * The local SQS takes exactly the characters SQS takes in a body:
 * #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF.
 */
let emulators: Emulators;
let sqs: SQSClient;
let queueUrl: string;

beforeAll(async () => {
  emulators = await startEmulators({ thread: 'worker' });
  emulators.createQueue('characters');
  queueUrl = emulators.queueUrl('characters');
  sqs = new SQSClient({
    endpoint: emulators.endpoints.sqs,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
});
afterAll(async () => {
  sqs?.destroy();
  await emulators?.stop();
});

const send = (MessageBody: string) => sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody }));

describe('SQS message characters (local = AWS)', () => {
  it.each([
    ['an emoji (outside the BMP)', 'ticket 🎫 𝐀'],
    ['the last allowed BMP character', 'a\ufffd'],
    ['tab, newline, carriage return', 'a\tb\nc\rd'],
    ['the highest code point', String.fromCodePoint(0x10ffff)],
  ])('accepts %s', async (_, body) => {
    await send(body);
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
    expect(Messages.map((m) => m.Body)).toContain(body);
  });

  it.each([
    ['U+FFFF', 'a\uffff'],
    ['U+FFFE', 'a\ufffe'],
    ['a control character', 'a\u0001'],
    ['an unpaired surrogate', 'a\ud83c'],
  ])('refuses %s with InvalidMessageContents (single and batch)', async (_, body) => {
    await expect(send(body)).rejects.toMatchObject({ name: expect.stringMatching(/InvalidMessageContents$/) });
    const batch = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: '1', MessageBody: body }] }),
    );
    expect(batch.Failed?.[0]?.Code).toBe('InvalidMessageContents');
  });

  it('toSqsJson carries any string: the same JSON value, in characters SQS accepts', async () => {
    const message = { ticketId: 'id-\uffff-\ufffe-\u0001-\ud83c-🎫', note: 'é' };
    const body = toSqsJson(message);
    await send(body);
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
    expect(Messages.map((m) => JSON.parse(m.Body!))).toContainEqual(message);
  });
});
