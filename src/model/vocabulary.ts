/**
 * A read-only term -> index map that loads without building anything: the
 * terms are one string, a hash table of term indices sits in an Int32Array,
 * so a model with 350k n-grams is usable as soon as its bytes are in memory
 * (a `Map` of that size takes ~100 ms to rebuild on every cold start).
 */
export interface Vocabulary {
  readonly size: number;
  /** Index of `term`, or -1. */
  indexOf(term: string): number;
  /** Index of `source.slice(start, end)`, or -1, without making that string. */
  indexOfRange(source: string, start: number, end: number): number;
  /** The term at `index`. */
  term(index: number): string;
}

/** The serialisable parts of a {@link Vocabulary}. */
export interface VocabularyData {
  /** All terms, concatenated in index order. */
  readonly terms: string;
  /** `size + 1` offsets into `terms` (UTF-16 code units). */
  readonly offsets: Uint32Array;
  /** Open-addressing table (power-of-two length) of `index + 1`; 0 = empty. */
  readonly table: Int32Array;
}

/** FNV-1a over UTF-16 code units. */
function hash(term: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < term.length; i++) {
    h ^= term.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function buildVocabulary(terms: readonly string[]): VocabularyData {
  const offsets = new Uint32Array(terms.length + 1);
  let length = 0;
  for (let i = 0; i < terms.length; i++) {
    length += terms[i]!.length;
    offsets[i + 1] = length;
  }
  let capacity = 1;
  while (capacity < terms.length * 2) capacity <<= 1;
  const table = new Int32Array(Math.max(capacity, 2));
  const mask = table.length - 1;
  for (let i = 0; i < terms.length; i++) {
    let slot = hash(terms[i]!) & mask;
    while (table[slot] !== 0) slot = (slot + 1) & mask;
    table[slot] = i + 1;
  }
  return { terms: terms.join(''), offsets, table };
}

export function vocabularyFrom(data: VocabularyData): Vocabulary {
  const { terms, offsets, table } = data;
  const mask = table.length - 1;
  const size = offsets.length - 1;
  return {
    size,
    indexOf(term: string): number {
      let slot = hash(term) & mask;
      for (;;) {
        const entry = table[slot]!;
        if (entry === 0) return -1;
        const index = entry - 1;
        const start = offsets[index]!;
        if (offsets[index + 1]! - start === term.length && terms.startsWith(term, start)) return index;
        slot = (slot + 1) & mask;
      }
    },
    indexOfRange(source: string, start: number, end: number): number {
      let h = 0x811c9dc5;
      for (let i = start; i < end; i++) {
        h ^= source.charCodeAt(i);
        h = Math.imul(h, 0x01000193);
      }
      const length = end - start;
      let slot = (h >>> 0) & mask;
      for (;;) {
        const entry = table[slot]!;
        if (entry === 0) return -1;
        const index = entry - 1;
        const at = offsets[index]!;
        if (offsets[index + 1]! - at === length) {
          let k = 0;
          while (k < length && terms.charCodeAt(at + k) === source.charCodeAt(start + k)) k++;
          if (k === length) return index;
        }
        slot = (slot + 1) & mask;
      }
    },
    term(index: number): string {
      if (index < 0 || index >= size) throw new RangeError(`term index ${index} out of range`);
      return terms.slice(offsets[index]!, offsets[index + 1]!);
    },
  };
}
