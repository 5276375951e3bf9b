/**
 * Cutting text to a size: at a word boundary, never inside a surrogate pair,
 * measured in characters (UTF-16 units) or in the bytes the text takes as a
 * JSON string in UTF-8 (what Step Functions and SQS count).
 */

const WORD_CHAR = /^[\p{L}\p{N}\p{M}_]$/u;

/** Bytes one code point takes inside a JSON string, UTF-8 encoded (as `JSON.stringify` writes it). */
export function jsonCodePointBytes(codePoint: number): number {
  if (codePoint === 0x22 || codePoint === 0x5c) return 2; // \" \\
  if (codePoint < 0x20)
    return codePoint === 0x08 || codePoint === 0x09 || codePoint === 0x0a || codePoint === 0x0c || codePoint === 0x0d
      ? 2
      : 6;
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return 6; // a lone surrogate: \udxxx
  if (codePoint < 0x10000) return 3;
  return 4;
}

/** Bytes `text` takes as a JSON string in UTF-8, without the two quotes. */
export function jsonStringBytes(text: string): number {
  let bytes = 0;
  for (const ch of text) bytes += jsonCodePointBytes(ch.codePointAt(0)!);
  return bytes;
}

export interface CutLimits {
  /** At most this many UTF-16 units (JavaScript `length`). */
  readonly maxChars?: number;
  /** At most this many bytes as a JSON string in UTF-8 ({@link jsonStringBytes}). */
  readonly maxJsonBytes?: number;
}

/**
 * The longest start of `text` within the limits that ends at a word boundary
 * (a word is cut only when it alone exceeds the limits) and never splits a
 * surrogate pair. Trailing whitespace of the cut text is removed.
 */
export function cutText(text: string, limits: CutLimits): { text: string; cut: boolean } {
  const maxChars = limits.maxChars ?? Number.POSITIVE_INFINITY;
  const maxBytes = limits.maxJsonBytes ?? Number.POSITIVE_INFINITY;
  let chars = 0;
  let bytes = 0;
  let end = 0; // UTF-16 index where the text must end
  let cut = false;
  for (const ch of text) {
    const nextBytes = bytes + jsonCodePointBytes(ch.codePointAt(0)!);
    if (chars + ch.length > maxChars || nextBytes > maxBytes) {
      cut = true;
      break;
    }
    chars += ch.length;
    bytes = nextBytes;
    end += ch.length;
  }
  if (!cut) return { text, cut: false };
  let at = end;
  // Inside a word (the character after the cut continues it): back up to where the word starts.
  if (isWordCharAt(text, at)) {
    let start = at;
    while (start > 0) {
      const before = codePointBefore(text, start);
      if (!WORD_CHAR.test(before)) break;
      start -= before.length;
    }
    if (start > 0) at = start;
  }
  return { text: text.slice(0, at).trimEnd(), cut: true };
}

function isWordCharAt(text: string, index: number): boolean {
  const codePoint = text.codePointAt(index);
  return codePoint !== undefined && WORD_CHAR.test(String.fromCodePoint(codePoint));
}

function codePointBefore(text: string, index: number): string {
  const low = text.charCodeAt(index - 1);
  if (low >= 0xdc00 && low <= 0xdfff && index >= 2) {
    const high = text.charCodeAt(index - 2);
    if (high >= 0xd800 && high <= 0xdbff) return text.slice(index - 2, index);
  }
  return text.slice(index - 1, index);
}
