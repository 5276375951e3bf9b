/**
 * JSON lines (one JSON value per line, UTF-8) read from and written to bytes
 * a block at a time. A retraining's data only grows, and V8 cannot make a
 * string longer than ~512 MiB (`0x1fffffe8` UTF-16 code units): a snapshot of
 * a million feedback items is past that, so it is never decoded or encoded as
 * one string.
 */

/** Bytes decoded at a time (cut at a line end): big enough that decoding is cheap, small next to the data. */
const BLOCK_BYTES = 4 * 1024 * 1024;
const NEWLINE = 0x0a;

export class JsonLinesError extends Error {
  override readonly name = 'JsonLinesError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/**
 * Calls `visit(value, line)` for the JSON value of every non-blank line of
 * `bytes` (lines numbered from 1), decoding a block of lines at a time.
 * Throws {@link JsonLinesError} at the first line that is not JSON.
 */
export function forEachJsonLine(
  bytes: Uint8Array,
  visit: (value: unknown, line: number) => void,
  blockBytes = BLOCK_BYTES,
): void {
  const decoder = new TextDecoder();
  let line = 0;
  for (let start = 0; start < bytes.length; ) {
    let end = Math.min(bytes.length, start + blockBytes);
    if (end < bytes.length) {
      const newline = bytes.indexOf(NEWLINE, end - 1);
      end = newline < 0 ? bytes.length : newline + 1;
    }
    const lines = decoder.decode(bytes.subarray(start, end)).split('\n');
    // A block ends at a line end, so its last element is empty (or the file's last line without one).
    for (let i = 0; i < lines.length; i++) {
      if (i === lines.length - 1 && end < bytes.length) break;
      line++;
      const text = lines[i]!;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new JsonLinesError(`line ${line} is not JSON`, line);
      }
      visit(value, line);
    }
    start = end;
  }
}

/**
 * `values` as JSON lines, in chunks of about `chunkBytes` bytes each (every
 * chunk ends at a line end): the bytes of a big object without one big string.
 */
export function jsonLinesChunks(values: Iterable<unknown>, chunkBytes = BLOCK_BYTES): Uint8Array[] {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  let lines: string[] = [];
  let length = 0;
  const flush = () => {
    if (lines.length === 0) return;
    chunks.push(encoder.encode(`${lines.join('\n')}\n`));
    lines = [];
    length = 0;
  };
  for (const value of values) {
    const line = JSON.stringify(value);
    lines.push(line);
    length += line.length + 1;
    if (length >= chunkBytes) flush();
  }
  flush();
  return chunks;
}

/** Total bytes of `chunks`. */
export const chunksLength = (chunks: readonly Uint8Array[]): number => chunks.reduce((sum, c) => sum + c.length, 0);
