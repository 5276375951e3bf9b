/**
 * Ticket text in workflow inputs and outputs is hidden unless a person asks
 * to see it (`showText=true`): a run's history is for seeing what happened,
 * and ticket text has no business on a shared screen by default.
 */

/** Fields that hold ticket text (or pieces of it) in the workflows' payloads. */
const TEXT_FIELDS = new Set(['text', 'subject', 'body', 'description', 'textPreview', 'term']);
const TEXT_LIST_FIELDS = new Set(['tokens', 'terms']);

export const elidedText = (chars: number): string => `‹ticket text hidden: ${chars} characters›`;
export const elidedList = (count: number): string => `‹ticket text hidden: ${count} items›`;

/** A copy of `value` with every ticket-text field replaced by a note of its size. */
export function elideTicketText(value: unknown, depth = 0): unknown {
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => elideTicketText(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (TEXT_FIELDS.has(key) && typeof v === 'string') out[key] = elidedText(v.length);
    else if (TEXT_LIST_FIELDS.has(key) && Array.isArray(v) && v.every((x) => typeof x === 'string'))
      out[key] = elidedList(v.length);
    else out[key] = elideTicketText(v, depth + 1);
  }
  return out;
}
