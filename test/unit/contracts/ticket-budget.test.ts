import { describe, expect, it } from 'vitest';
import {
  MAX_TICKET_TEXT_BYTES,
  parseTicketMessage,
  PAYLOAD_RESERVE_BYTES,
  STATE_PAYLOAD_LIMIT_BYTES,
  WORST_CASE_PAYLOAD_BYTES_PER_TEXT_BYTE,
} from '../../../src/contracts/ticket-message.ts';
import { fitTfidf } from '../../../src/model/tfidf.ts';
import { PLAIN_WORDS_PREPROCESS } from '../../../src/model/profiles.ts';
import { REFERENCE_PREPROCESS, type PreprocessConfig } from '../../../src/text/config.ts';
import { jsonStringBytes } from '../../../src/contracts/cut-text.ts';
import { createPreprocessor } from '../../../src/text/preprocess.ts';

/**
 * The worst case behind the contract's byte budget, measured with the real
 * steps' code: each adversarial ticket is cut by the contract, preprocessed
 * with a profile's preprocessing, vectorized over a vocabulary that holds
 * every one of its n-grams (the worst model for it: every n-gram a feature),
 * and the explanation is the 100 longest terms. The state payloads are built
 * as workflows/classify-ticket.asl.json builds them (each state adds its
 * result to the execution input); Predict's output holds them all.
 */
const letters = 'abcdefghijklmnopqrstuvwxyz0123456789';
const twoLetterWords = (n: number) => {
  const words: string[] = [];
  for (const a of letters) for (const b of letters) words.push(a + b);
  for (const a of letters) for (const b of letters) for (const c of letters) words.push(a + b + c);
  return words.slice(0, n).join(' ');
};
const cjkWords = (n: number) =>
  Array.from({ length: n }, (_, i) => String.fromCodePoint(0x4e00 + 2 * i, 0x4e01 + 2 * i)).join(' ');
const turkishCapitals = (n: number) =>
  Array.from({ length: n }, (_, i) => `İ${letters[i % 36]}${letters[Math.floor(i / 36) % 36]}`).join(' ');

const ADVERSARIAL: Record<string, object> = {
  'distinct two-letter words': { body: twoLetterWords(20_000) },
  'distinct two-letter words, subject too': { subject: twoLetterWords(2_000), body: twoLetterWords(20_000) },
  'distinct CJK pairs': { body: cjkWords(20_000) },
  'a 100,000-character CJK subject': { subject: '中文标题'.repeat(25_000), body: '打印机坏了' },
  'lower-casing that grows (İ)': { body: turkishCapitals(20_000) },
  'control characters (6-byte escapes)': { body: '\u0001 ab '.repeat(20_000) },
  'ordinary words repeated': { body: 'the printer on floor two is jammed again '.repeat(2_000) },
};

async function payloads(message: object, preprocess: PreprocessConfig) {
  const { ticket, contentSha256 } = parseTicketMessage(
    JSON.stringify({ ticketId: '\u0080'.repeat(0) + 'x'.repeat(256), ...message }),
    { messageId: '0'.repeat(36), receivedAt: new Date().toISOString() },
    { maxChars: 200_000, rejectChars: 10_000_000 },
  );
  const preprocessor = await createPreprocessor(preprocess);
  const { tokens, truncated } = preprocessor.preprocess(ticket.text);
  const vectorizer = fitTfidf([tokens, ['filler']], preprocess.ngramRange).vectorizer;
  const x = vectorizer.transform(tokens);
  const indices = Array.from(x.indices, (i) => i + 9_000_000); // indices of a large vocabulary
  const terms = Array.from(x.indices, (i) => vectorizer.vocabulary.term(i));
  const vector = { indices, values: Array.from(x.values, (v) => Math.fround(v)), terms, unknown: x.unknown };
  const explanation = [...terms]
    .sort((a, b) => jsonStringBytes(b) - jsonStringBytes(a))
    .slice(0, 100)
    .map((term) => ({ term, weight: -0.12345678901234566 }));
  const input = { ticket, messageId: '0'.repeat(36), contentSha256 };
  const afterPredict = {
    ...input,
    model: { modelVersion: 'v'.repeat(64) },
    preprocessed: { tokens, truncated },
    vector,
    prediction: { category: '', probability: 0.5, top: [], explanation, needsReview: true },
  };
  const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));
  return {
    text: jsonStringBytes(ticket.text),
    subject: jsonStringBytes(ticket.subject ?? ''),
    tokens: bytes(tokens),
    vector: bytes(vector),
    explanation: bytes(explanation),
    largestState: bytes(afterPredict),
  };
}

describe('the byte budget of a ticket in the state payloads', () => {
  it('the budget is what the worst-case expansion leaves of 256 KiB', () => {
    expect(
      MAX_TICKET_TEXT_BYTES * WORST_CASE_PAYLOAD_BYTES_PER_TEXT_BYTE + PAYLOAD_RESERVE_BYTES + 2048,
    ).toBeLessThanOrEqual(STATE_PAYLOAD_LIMIT_BYTES);
  });

  it.each(Object.keys(ADVERSARIAL))('%s: every state payload stays within the budget (reserve left)', async (name) => {
    const rows: string[] = [];
    for (const [profile, config] of [
      ['plain words (linear-svm)', PLAIN_WORDS_PREPROCESS],
      ['reference (stop words, lemmas)', REFERENCE_PREPROCESS],
    ] as const) {
      const p = await payloads(ADVERSARIAL[name]!, config);
      const perTextByte = (p.largestState - p.subject) / Math.max(1, p.text);
      rows.push(
        `${name} / ${profile}: text ${p.text} B, tokens ${p.tokens} B, vector ${p.vector} B, explanation ${p.explanation} B, Predict's output ${p.largestState} B (${perTextByte.toFixed(1)} per text byte)`,
      );
      expect(perTextByte).toBeLessThanOrEqual(WORST_CASE_PAYLOAD_BYTES_PER_TEXT_BYTE);
      expect(p.largestState).toBeLessThanOrEqual(STATE_PAYLOAD_LIMIT_BYTES - PAYLOAD_RESERVE_BYTES);
    }
    console.log(rows.join('\n'));
  });
});
