import { describe, expect, it } from 'vitest';
import { chunksLength, forEachJsonLine, JsonLinesError, jsonLinesChunks } from '../../../src/data/json-lines.ts';

const rows = Array.from({ length: 500 }, (_, i) => ({
  i,
  text: `ticket ${i} ${'é€'.repeat(i % 7)} ${'x'.repeat(i % 50)}`,
}));

describe('JSON lines a block at a time', () => {
  it('reads every line across block boundaries (multi-byte characters included), skipping blank lines', () => {
    const text = `${rows.map((r) => JSON.stringify(r)).join('\n\n')}\n`;
    const bytes = new TextEncoder().encode(text);
    for (const block of [7, 64, 1000, 1 << 22]) {
      const seen: unknown[] = [];
      const lines: number[] = [];
      forEachJsonLine(
        bytes,
        (value, line) => {
          seen.push(value);
          lines.push(line);
        },
        block,
      );
      expect(seen).toEqual(rows);
      expect(lines.slice(0, 3)).toEqual([1, 3, 5]); // line numbers count the blank lines
    }
  });

  it('reads a last line without a line end, and says which line is not JSON', () => {
    const seen: unknown[] = [];
    forEachJsonLine(new TextEncoder().encode('{"a":1}\n{"a":2}'), (v) => seen.push(v), 4);
    expect(seen).toEqual([{ a: 1 }, { a: 2 }]);
    const error = (() => {
      try {
        forEachJsonLine(new TextEncoder().encode('{"a":1}\n\n{"a":\n'), () => {}, 3);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(JsonLinesError);
    expect((error as JsonLinesError).line).toBe(3);
  });

  it('writes chunks that end at line ends and together are the lines', () => {
    const chunks = jsonLinesChunks(rows, 1000);
    expect(chunks.length).toBeGreaterThan(5);
    const decoder = new TextDecoder();
    for (const chunk of chunks) expect(chunk[chunk.length - 1]).toBe(0x0a);
    const all = chunks.map((c) => decoder.decode(c)).join('');
    expect(all).toBe(`${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    expect(chunksLength(chunks)).toBe(new TextEncoder().encode(all).length);
    expect(jsonLinesChunks([])).toEqual([]);
  });
});
