/**
 * `npm run bench:budget`: what the message contract's byte budget
 * (src/contracts/ticket-message.ts) does to real tickets. For each dataset in
 * the shared folder: how many tickets are cut (subject and text over
 * MAX_TICKET_TEXT_BYTES as JSON in UTF-8, or over MAX_TICKET_CHARS
 * characters), next to what the earlier budgets would have cut. With
 * `--model <dir>` (a model directory, `triage train --out`), also the bytes of
 * the largest state each ticket makes in the classification workflow with that
 * model (Predict's output: the ticket, its tokens, the packed vector, the
 * explanation and the route), and what the vector took before it was packed (indices,
 * values and n-gram strings as JSON arrays).
 *
 *   npm run bench:budget -- --model /tmp/endava-char
 */
import { Command } from 'commander';
import { packVector } from '../src/contracts/packed-vector.ts';
import {
  MAX_SUBJECT_BYTES,
  MAX_TICKET_TEXT_BYTES,
  parseTicketMessage,
  PAYLOAD_RESERVE_BYTES,
  STATE_PAYLOAD_LIMIT_BYTES,
  WORST_CASE_PAYLOAD_BYTES_PER_TEXT_BYTE,
} from '../src/contracts/ticket-message.ts';
import { jsonStringBytes } from '../src/contracts/cut-text.ts';
import { parseConfig } from '../src/config.ts';
import type { TicketClassifier } from '../src/model/ticket-classifier.ts';
import { loadModelDirectory } from '../src/model-store/directory.ts';
import { DATASET_NAMES, hasDataset, loadDataset } from './datasets.ts';
import { saveBenchResult } from './results.ts';

const opts = new Command()
  .option('--model <dir>', 'also measure the largest state of each ticket with this model')
  .parse()
  .opts<{ model?: string }>();

const settings = parseConfig({});
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const percent = (part: number, whole: number) => `${((100 * part) / Math.max(1, whole)).toFixed(2)}%`;
const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

console.log(
  `budget: subject ${kib(MAX_SUBJECT_BYTES)}, subject + text ${kib(MAX_TICKET_TEXT_BYTES)} (UTF-8 JSON bytes) or ${settings.MAX_TICKET_CHARS} characters; ` +
    `worst case ${WORST_CASE_PAYLOAD_BYTES_PER_TEXT_BYTE} payload bytes per text byte, ${kib(PAYLOAD_RESERVE_BYTES)} reserved, of ${kib(STATE_PAYLOAD_LIMIT_BYTES)}`,
);

const model: TicketClassifier | undefined = opts.model ? await loadModelDirectory(opts.model) : undefined;
if (model) console.log(`model ${model.manifest.version} (${model.manifest.profile})`);

/** The largest state a ticket makes with `model`, packed as Vectorize packs it and as it was before. */
function largestState(ticket: ReturnType<typeof parseTicketMessage>, m: TicketClassifier) {
  const { tokens, truncated } = m.preprocessor.preprocess(ticket.ticket.text);
  const x = m.vectorizer.transform(tokens);
  const classified = m.classify(ticket.ticket.text, { topK: settings.TOP_K, explain: settings.EXPLAIN_TERMS });
  const rest = {
    ticket: ticket.ticket,
    messageId: '0'.repeat(36),
    contentSha256: ticket.contentSha256,
    model: { modelVersion: m.manifest.version },
    preprocessed: { tokens, truncated },
    prediction: {
      category: classified.category,
      probability: classified.probability,
      top: classified.top,
      explanation: classified.explanation,
      route: classified.route,
      ...(classified.reason && { reason: classified.reason }),
      needsReview: classified.needsReview,
    },
  };
  const packed = { packed: packVector(x), features: x.indices.length, unknown: x.unknown };
  const indices = Array.from(x.indices);
  const unpacked = {
    indices,
    values: Array.from(x.values, (v) => Math.fround(v)),
    terms: indices.map((i) => m.vectorizer.vocabulary.term(i)),
    unknown: x.unknown,
  };
  return { packed: bytes({ ...rest, vector: packed }), unpacked: bytes({ ...rest, vector: unpacked }) };
}

const results: Record<string, unknown> = {};
for (const name of DATASET_NAMES) {
  if (!hasDataset(name)) {
    console.log(`${name}: skipped, not found under the shared folder (set TRIAGE_SHARED_DIR)`);
    continue;
  }
  const { data } = await loadDataset(name);
  const sizes = data.texts.map((text) => jsonStringBytes(text)).sort((a, b) => a - b);
  let cut = 0;
  const states: { packed: number; unpacked: number }[] = [];
  for (const [i, text] of data.texts.entries()) {
    const ticket = parseTicketMessage(
      JSON.stringify({ ticketId: `${name}-${i}`, text }),
      { messageId: String(i), receivedAt: new Date().toISOString() },
      { maxChars: settings.MAX_TICKET_CHARS, rejectChars: settings.REJECT_TICKET_CHARS },
    );
    if (ticket.ticket.truncated) cut++;
    if (model) states.push(largestState(ticket, model));
  }
  const over = (limit: number) => sizes.filter((s) => s > limit).length;
  console.log(
    `${name}: ${data.texts.length} tickets, median ${sizes[sizes.length >> 1]} B, p99 ${quantile(sizes, 0.99)} B, longest ${sizes.at(-1)} B; ` +
      `cut: ${cut} (${percent(cut, sizes.length)}) at ${kib(MAX_TICKET_TEXT_BYTES)}; ` +
      `${over(8 * 1024)} (${percent(over(8 * 1024), sizes.length)}) at 8 KiB, ${over(2 * 1024)} (${percent(over(2 * 1024), sizes.length)}) at 2 KiB`,
  );
  const entry: Record<string, unknown> = {
    tickets: sizes.length,
    cut,
    cutShare: cut / sizes.length,
    bytes: { median: sizes[sizes.length >> 1], p99: quantile(sizes, 0.99), max: sizes.at(-1) },
  };
  if (model) {
    const packed = states.map((s) => s.packed).sort((a, b) => a - b);
    const unpacked = states.map((s) => s.unpacked).sort((a, b) => a - b);
    console.log(
      `  largest state with the model: median ${packed[packed.length >> 1]} B, p99 ${quantile(packed, 0.99)} B, max ${packed.at(-1)} B ` +
        `(vector unpacked, as before: median ${unpacked[unpacked.length >> 1]} B, p99 ${quantile(unpacked, 0.99)} B, max ${unpacked.at(-1)} B)`,
    );
    entry.largestState = {
      packed: { median: packed[packed.length >> 1], p99: quantile(packed, 0.99), max: packed.at(-1) },
      unpacked: { median: unpacked[unpacked.length >> 1], p99: quantile(unpacked, 0.99), max: unpacked.at(-1) },
    };
  }
  results[name] = entry;
}
const output = {
  at: new Date().toISOString(),
  budgetBytes: MAX_TICKET_TEXT_BYTES,
  model: model?.manifest.version,
  results,
};
console.log(`written to ${saveBenchResult('ticket-budget', output)}`);
