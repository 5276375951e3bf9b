/**
 * dynalite parses a request's condition expression with a PEG parser whose
 * grammar checks every name against DynamoDB's ~570 reserved words: ~100 µs
 * for `attribute_not_exists(ticketId)`, on every conditional write (the first
 * prediction record of each ticket is one). `cacheParsedConditions()` keeps
 * the parse of an expression that has no attribute names or values to
 * resolve (its result then depends on the text alone) and hands each request
 * its own copy, since dynalite keeps the result on the request's data.
 *
 * Expressions with `ExpressionAttributeNames`/`Values`, key conditions
 * (validated differently) and expressions the parser refuses are parsed as
 * before, every time. It replaces `parse` on the exports of dynalite's own
 * condition parser module, which dynalite's validation looks up per call.
 */
import { createRequire } from 'node:module';

interface ParseContext {
  attrNames?: unknown;
  attrVals?: unknown;
  isKeyCondition?: boolean;
}
type Parse = (input: string, options?: { context?: ParseContext }) => unknown;

const cached = Symbol.for('ticket-triage.local.dynalite-condition-cache');
/** Distinct expressions kept; the cache starts over when full. */
const MAX_EXPRESSIONS = 1000;

/** Makes dynalite (in this thread) parse each plain condition expression once. Idempotent. */
export function cacheParsedConditions(): void {
  const parser = createRequire(import.meta.url)('dynalite/db/conditionParser') as { parse: Parse } & Record<
    symbol,
    boolean
  >;
  if (parser[cached]) return;
  const parse = parser.parse;
  const parsed = new Map<string, unknown>();
  parser.parse = function parseOnce(input, options) {
    const context = options?.context;
    if (!context || context.attrNames != null || context.attrVals != null || context.isKeyCondition)
      return parse.call(this, input, options);
    const hit = parsed.get(input);
    if (hit !== undefined) return structuredClone(hit);
    const result = parse.call(this, input, options);
    // A string is the parser's refusal (e.g. a reserved word): not kept.
    if (typeof result === 'object' && result !== null) {
      if (parsed.size >= MAX_EXPRESSIONS) parsed.clear();
      parsed.set(input, structuredClone(result));
    }
    return result;
  };
  parser[cached] = true;
}
