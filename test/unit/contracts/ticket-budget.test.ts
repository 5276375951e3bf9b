import { describe, expect, it } from 'vitest';
import { jsonStringBytes } from '../../../src/contracts/cut-text.ts';
import { packVector } from '../../../src/contracts/packed-vector.ts';
import { REVIEW_REASONS } from '../../../src/contracts/routing.ts';
import type { PredictOutput, VectorizeOutput } from '../../../src/contracts/steps.ts';
import {
  MAX_SUBJECT_BYTES,
  MAX_TICKET_TEXT_BYTES,
  parseTicketMessage,
  PAYLOAD_RESERVE_BYTES,
  STATE_PAYLOAD_LIMIT_BYTES,
  WORST_CASE_PAYLOAD_BYTES_PER_TEXT_BYTE,
} from '../../../src/contracts/ticket-message.ts';
import { DEFAULT_PROFILE, PROFILE_NAMES, PROFILES, type ProfileName } from '../../../src/model/profiles.ts';
import { fitTfidf } from '../../../src/model/tfidf.ts';
import { tfidfOptions } from '../../../src/model/train.ts';
import { createPreprocessor } from '../../../src/text/preprocess.ts';

/**
 * The worst case behind the contract's byte budget, measured with the steps'
 * code for every profile (the default, linear-svm-char, has character n-grams:
 * up to ~4 features per byte of text): each adversarial ticket is cut by the
 * contract, preprocessed with the profile's preprocessing, vectorized with
 * the profile's features over a vocabulary that holds every one of its n-grams
 * (the worst model for it: every n-gram a feature, no minimum document
 * frequency), packed as Vectorize packs it with the features spread over the
 * largest possible vocabulary (2^31 features: the widest gaps between
 * indices), and explained by the 100 longest of its terms and words (the most
 * EXPLAIN_TERMS allows), routed to review for the longest reason. The state payloads are built as
 * workflows/classify-ticket.asl.json builds them (each state adds its result
 * to the execution input); Predict's output holds them all.
 */
const letters = 'abcdefghijklmnopqrstuvwxyz0123456789';
const twoLetterWords = (n: number) => {
  const words: string[] = [];
  for (const a of letters) for (const b of letters) words.push(a + b);
  for (const a of letters) for (const b of letters) for (const c of letters) words.push(a + b + c);
  return words.slice(0, n).join(' ');
};
/** Words of `length` letters from a fixed pseudo-random sequence: nearly every char n-gram distinct. */
const randomWords = (length: number, bytes: number) => {
  let seed = length;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const words: string[] = [];
  for (let total = 0; total < bytes; total += length + 1)
    words.push(Array.from({ length }, () => letters[Math.floor(next() * 36)]).join(''));
  return words.join(' ');
};
const cjkWords = (n: number) =>
  Array.from({ length: n }, (_, i) => String.fromCodePoint(0x4e00 + 2 * i, 0x4e01 + 2 * i)).join(' ');
const turkishCapitals = (n: number) =>
  Array.from({ length: n }, (_, i) => `İ${letters[i % 36]}${letters[Math.floor(i / 36) % 36]}`).join(' ');

const ADVERSARIAL: Record<string, object> = {
  'distinct two-letter words': { body: twoLetterWords(20_000) },
  'distinct two-letter words, subject too': { subject: twoLetterWords(2_000), body: twoLetterWords(20_000) },
  'random 3-letter words': { body: randomWords(3, 60_000) },
  'random 5-letter words': { body: randomWords(5, 60_000) },
  'random 12-letter words': { body: randomWords(12, 60_000) },
  'random 40-letter words': { body: randomWords(40, 60_000) },
  'random 110-letter words (long bigrams in the explanation)': { body: randomWords(110, 60_000) },
  'one random 20,000-letter word': { body: randomWords(20_000, 20_000) },
  'distinct CJK pairs': { body: cjkWords(20_000) },
  'a 100,000-character CJK subject': { subject: '中文标题'.repeat(25_000), body: '打印机坏了' },
  'lower-casing that grows (İ)': { body: turkishCapitals(20_000) },
  'control characters (6-byte escapes)': { body: '\u0001 ab '.repeat(20_000) },
  'ordinary words repeated': { body: 'the printer on floor two is jammed again '.repeat(2_000) },
};

/** The largest index a packed vector can carry; the features spread evenly up to it. */
const MAX_INDEX = 2 ** 31 - 1;
const EXPLAIN_TERMS_MAX = 100;
/** A review route carries the most bytes of routing: the route, and its longest reason. */
const LONGEST_REASON = [...REVIEW_REASONS].sort((a, b) => b.length - a.length)[0]!;

async function payloads(message: object, profile: ProfileName) {
  const spec = PROFILES[profile];
  const { ticket, contentSha256 } = parseTicketMessage(
    JSON.stringify({ ticketId: 'x'.repeat(256), ...message }),
    { messageId: '0'.repeat(36), receivedAt: new Date().toISOString() },
    { maxChars: 200_000, rejectChars: 10_000_000 },
  );
  const preprocessor = await createPreprocessor(spec.preprocess);
  const { tokens, truncated } = preprocessor.preprocess(ticket.text);
  const options = tfidfOptions(spec);
  const vectorizer = fitTfidf([tokens, ['filler']], {
    ...options,
    minDf: 1,
    ...(options.char && { char: { ...options.char, minDf: 1 } }),
  }).vectorizer;
  const x = vectorizer.transform(tokens);
  const features = x.indices.length;
  const spread = Array.from(x.indices, (_, i) => Math.floor((i * MAX_INDEX) / Math.max(1, features)));
  const vector: VectorizeOutput = {
    packed: packVector({ indices: spread, values: x.values }),
    features,
    unknown: x.unknown,
  };
  const candidates = new Set([...Array.from(x.indices, (i) => vectorizer.vocabulary.term(i)), ...tokens]);
  const explanation = [...candidates]
    .filter((term) => !term.startsWith(' ') && !term.endsWith(' ')) // words and word n-grams, never char n-grams
    .sort((a, b) => jsonStringBytes(b) - jsonStringBytes(a))
    .slice(0, EXPLAIN_TERMS_MAX)
    .map((term) => ({ term, weight: -0.12345678901234566 }));
  const input = { ticket, messageId: '0'.repeat(36), contentSha256 };
  const afterPredict = {
    ...input,
    model: { modelVersion: 'v'.repeat(64) },
    preprocessed: { tokens, truncated },
    vector,
    prediction: {
      category: '',
      probability: 0.5,
      top: [],
      explanation,
      route: 'review',
      reason: LONGEST_REASON,
      needsReview: true,
    } satisfies PredictOutput,
  };
  const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));
  return {
    text: jsonStringBytes(ticket.text),
    subject: jsonStringBytes(ticket.subject ?? ''),
    features,
    tokens: bytes(tokens),
    vector: bytes(vector),
    explanation: bytes(explanation),
    largestState: bytes(afterPredict),
  };
}

describe('the byte budget of a ticket in the state payloads', () => {
  it('the budget is what the worst-case expansion leaves of 256 KiB', () => {
    expect(
      MAX_TICKET_TEXT_BYTES * WORST_CASE_PAYLOAD_BYTES_PER_TEXT_BYTE + PAYLOAD_RESERVE_BYTES + MAX_SUBJECT_BYTES,
    ).toBeLessThanOrEqual(STATE_PAYLOAD_LIMIT_BYTES);
    expect(PROFILE_NAMES).toContain(DEFAULT_PROFILE);
  });

  it.each(Object.keys(ADVERSARIAL))('%s: every state payload stays within the budget (reserve left)', async (name) => {
    const rows: string[] = [];
    for (const profile of PROFILE_NAMES) {
      const p = await payloads(ADVERSARIAL[name]!, profile);
      const perTextByte = (p.largestState - p.subject) / Math.max(1, p.text);
      rows.push(
        `${name} / ${profile}: text ${p.text} B, ${p.features} features, tokens ${p.tokens} B, vector ${p.vector} B, explanation ${p.explanation} B, Predict's output ${p.largestState} B (${perTextByte.toFixed(1)} per text byte)`,
      );
      expect(perTextByte).toBeLessThanOrEqual(WORST_CASE_PAYLOAD_BYTES_PER_TEXT_BYTE);
      expect(p.largestState).toBeLessThanOrEqual(STATE_PAYLOAD_LIMIT_BYTES - PAYLOAD_RESERVE_BYTES);
    }
    console.log(rows.join('\n'));
  });
});
