import { forEachPaddedNgram } from '../text/char-ngrams.ts';
import { ngrams } from '../text/ngrams.ts';
import {
  allocateFloat32,
  allocateFloat64,
  allocateInt32,
  allocateUint16,
  type SparseMatrix,
  type SparseVector,
} from './sparse.ts';
import { NgramTable } from './ngram-table.ts';
import { buildVocabulary, vocabularyFrom, type Vocabulary, type VocabularyData } from './vocabulary.ts';

/**
 * scikit-learn's `TfidfVectorizer`: counts (or `1 + ln(count)` with
 * `sublinearTf`) x smooth idf `ln((1 + n) / (1 + df)) + 1`, rows L2-normalised.
 * Word n-grams always; optionally a second block of character n-grams inside
 * word boundaries (`char_wb`), normalised on its own and scaled by `weight`,
 * after the word features (as a `FeatureUnion` of the two vectorizers).
 */
export interface TfidfVectorizer {
  readonly ngramRange: readonly [number, number];
  /** Every feature: word n-grams first, then character n-grams (see {@link TfidfData.char}). */
  readonly vocabulary: Vocabulary;
  readonly idf: Float32Array | Float64Array;
  /** Features from this index on are character n-grams (= `vocabulary.size` without them). */
  readonly charFeaturesFrom: number;
  /** Tokens -> TF-IDF row; n-grams outside the vocabulary are counted in `unknown`. */
  transform(tokens: readonly string[]): VectorizedText;
}

export interface VectorizedText extends SparseVector {
  readonly indices: Int32Array;
  readonly values: Float64Array;
  /** How many word n-grams of the text are not in the vocabulary. */
  readonly unknown: number;
  /** How many word n-grams the text has (known or not). */
  readonly ngrams: number;
}

/** How the character block is built. */
export interface CharFeatureOptions {
  readonly ngramRange: readonly [number, number];
  readonly sublinearTf: boolean;
  /** The block's rows are L2-normalised, then multiplied by this. */
  readonly weight: number;
}

/** The serialisable parts of a fitted vectorizer. */
export interface TfidfData {
  readonly ngramRange: readonly [number, number];
  readonly vocabulary: VocabularyData;
  readonly idf: Float32Array | Float64Array;
  /** `1 + ln(count)` instead of the count (default false). */
  readonly sublinearTf?: boolean;
  /** Character n-grams: features `vocabulary.size ..` (absent: word n-grams only). */
  readonly char?: CharFeatureOptions & {
    readonly vocabulary: VocabularyData;
    readonly idf: Float32Array | Float64Array;
  };
}

export interface TfidfOptions {
  readonly ngramRange: readonly [number, number];
  readonly sublinearTf?: boolean;
  /** Drop n-grams found in fewer rows than this (default 1: keep all). */
  readonly minDf?: number;
  /** Store the matrix values as float32 (half the memory; default float64). */
  readonly float32?: boolean;
  /**
   * Store the matrix values as 16-bit fixed point (`Uint16Array` with a
   * `valueScale`; 6 bytes a non-zero with its index instead of 8 for float32).
   * Every value is within 1/131070 of the block weight of its float value;
   * linear SVM fits on it were the same to the validation row.
   */
  readonly uint16?: boolean;
  readonly char?: CharFeatureOptions & { readonly minDf?: number };
  /** Put the matrix in `SharedArrayBuffer`s, so solver threads read it without a copy (default false). */
  readonly sharedMemory?: boolean;
}

export interface FittedTfidf {
  /** The vectorizer's parts for the `keep` features only (ascending ids; default: all). */
  select(keep?: Int32Array): TfidfData;
  /** The vectorizer's parts for every feature (built on first use). */
  readonly data: TfidfData;
  /** A vectorizer over every feature (built on first use). */
  readonly vectorizer: TfidfVectorizer;
  /** The TF-IDF matrix of the training documents. */
  readonly matrix: SparseMatrix;
  /** Document frequency of each feature. */
  readonly df: Int32Array;
  /** Features `0 .. wordFeatures` are word n-grams, the rest character n-grams. */
  readonly wordFeatures: number;
  /** The n-gram of feature `f` (character n-grams with their boundary spaces). */
  term(f: number): string;
}

/** An int32 array that grows by doubling (training-time buffers). */
class GrowableInt32 {
  array: Int32Array;
  length = 0;
  constructor(capacity = 1 << 16) {
    this.array = new Int32Array(capacity);
  }
  push(value: number): void {
    if (this.length === this.array.length) this.grow(this.length + 1);
    this.array[this.length++] = value;
  }
  grow(atLeast: number): void {
    let size = this.array.length;
    while (size < atLeast) size *= 2;
    const bigger = new Int32Array(size);
    bigger.set(this.array.subarray(0, this.length));
    this.array = bigger;
  }
  /** Gives back the room past `length` (doubling leaves up to half of it unused). */
  trim(): void {
    if (this.array.length > this.length) this.array = this.array.slice(0, this.length);
  }
  /** Gives back everything. */
  release(): void {
    this.array = new Int32Array(0);
    this.length = 0;
  }
}

function l2Normalize(values: Float32Array | Float64Array, start: number, end: number, scale = 1): void {
  let sum = 0;
  for (let i = start; i < end; i++) sum += values[i]! * values[i]!;
  if (sum === 0) return;
  const norm = Math.sqrt(sum);
  if (scale === 1) for (let i = start; i < end; i++) values[i]! /= norm;
  else for (let i = start; i < end; i++) values[i] = (values[i]! / norm) * scale;
}

/**
 * TF-IDF fitted one document at a time, so a training run never holds every
 * row's tokens as strings nor every row's n-gram counts:
 *
 * 1. {@link add} interns each document's tokens (a `Map` of distinct tokens
 *    to ids; the document is kept as int32 token ids, ~4 bytes a token) and
 *    counts the document frequency of its word and character n-grams (typed
 *    open-addressing tables of token ids / character codes; a "last seen in
 *    row" mark per n-gram, no per-row buffers).
 * 2. {@link finish} drops the n-grams below `minDf`, sizes the matrix exactly
 *    (the non-zeros of a feature are its document frequency) and fills it in
 *    one pass over the stored token ids, recounting each row's n-grams.
 *
 * The result is the same matrix as fitting on all documents at once
 * (features numbered in order of first appearance, each row's features in
 * ascending order).
 */
export interface TfidfFitter {
  /** Counts one document (its preprocessed tokens). */
  add(tokens: readonly string[]): void;
  /** Documents added so far. */
  readonly rows: number;
  /** The vocabulary, idf and matrix of the documents added (call once). */
  finish(): FittedTfidf;
}

/** Features of one block (words or characters) that stay, renumbered densely. */
interface KeptBlock {
  /** New id of each counted n-gram (-1: dropped). */
  readonly newId: Int32Array;
  /** Counted n-gram id of each kept feature. */
  readonly oldId: Int32Array;
  /** Non-zeros of the block: the kept features' document frequencies summed. */
  readonly nnz: number;
}

function keepBlock(df: GrowableInt32, minDf: number): KeptBlock {
  const size = df.length;
  const newId = new Int32Array(size);
  let kept = 0;
  let nnz = 0;
  for (let f = 0; f < size; f++) {
    const d = df.array[f]!;
    if (d >= minDf) {
      newId[f] = kept++;
      nnz += d;
    } else newId[f] = -1;
  }
  const oldId = new Int32Array(kept);
  for (let f = 0; f < size; f++) if (newId[f]! >= 0) oldId[newId[f]!] = f;
  return { newId, oldId, nnz };
}

export function tfidfFitter(options: TfidfOptions): TfidfFitter {
  const [minN, maxN] = options.ngramRange;
  const char = options.char;
  const tokenIds = new Map<string, number>();
  const tokenList: string[] = [];
  const words = new NgramTable(maxN);
  const chars = char ? new NgramTable(char.ngramRange[1]) : undefined;
  // Character n-gram ids of each distinct token, computed once: [charStart[id], charStart[id + 1]).
  const charStart = new GrowableInt32(1 << 12);
  charStart.push(0);
  const charIds = new GrowableInt32();
  let codes = new Int32Array(64);
  // The unigram feature of each token id (-1: not interned yet): no hashing for most n-grams.
  const unigram = new GrowableInt32(1 << 12);

  // Every document as token ids: docTokens[docStart[d] .. docStart[d + 1]).
  const docTokens = new GrowableInt32(1 << 20);
  const docStart = new GrowableInt32(1 << 12);
  docStart.push(0);
  // Per n-gram: document frequency, and the last document that counted it (d + 1).
  const wordDf = new GrowableInt32();
  const wordMark = new GrowableInt32();
  const charDf = new GrowableInt32();
  const charMark = new GrowableInt32();
  let rows = 0;
  let finished = false;

  const internToken = (token: string): number => {
    const id = tokenList.length;
    tokenIds.set(token, id);
    tokenList.push(token);
    unigram.push(-1);
    if (chars) {
      const length = token.length + 2;
      if (length > codes.length) codes = new Int32Array(length * 2);
      codes[0] = 32;
      for (let k = 0; k < token.length; k++) codes[k + 1] = token.charCodeAt(k);
      codes[length - 1] = 32;
      forEachPaddedNgram({ length }, char!.ngramRange[0], char!.ngramRange[1], (start, n) => {
        const f = chars.intern(codes, start, n);
        if (f === charDf.length) {
          charDf.push(0);
          charMark.push(0);
        }
        charIds.push(f);
      });
      charStart.push(charIds.length);
    }
    return id;
  };

  // The ids of the word n-grams longer than one token, in the order pass 1 met them: pass 2 reads them
  // instead of hashing every n-gram again (~4 bytes an n-gram; unigrams come from `unigram`).
  const gramIds = new GrowableInt32(1 << 20);

  /** Calls `visit(feature)` for every word n-gram occurrence of the document at `base` of `length` tokens. */
  const forEachWordNgram = (base: number, length: number, visit: (f: number) => void): void => {
    const ids = docTokens.array;
    for (let n = minN; n <= maxN; n++) {
      if (n === 1) {
        for (let i = 0; i < length; i++) {
          const id = ids[base + i]!;
          let f = unigram.array[id]!;
          if (f < 0) {
            f = words.intern(ids, base + i, 1);
            unigram.array[id] = f;
          }
          visit(f);
        }
        continue;
      }
      for (let i = 0; i + n <= length; i++) {
        const f = words.intern(ids, base + i, n);
        gramIds.push(f);
        visit(f);
      }
    }
  };

  /** The same occurrences again (pass 2), from the unigram ids and `gramIds` from `cursor` on; returns the new cursor. */
  const forEachCountedWordNgram = (
    base: number,
    length: number,
    cursor: number,
    visit: (f: number) => void,
  ): number => {
    if (minN === 1) for (let i = 0; i < length; i++) visit(unigram.array[docTokens.array[base + i]!]!);
    let end = cursor;
    for (let n = Math.max(2, minN); n <= maxN; n++) end += Math.max(0, length - n + 1);
    for (let k = cursor; k < end; k++) visit(gramIds.array[k]!);
    return end;
  };

  const countWord = (f: number): void => {
    if (f === wordDf.length) {
      wordDf.push(0);
      wordMark.push(0);
    }
    if (wordMark.array[f] !== rows + 1) {
      wordMark.array[f] = rows + 1;
      wordDf.array[f]!++;
    }
  };

  return {
    get rows() {
      return rows;
    },
    add(tokens: readonly string[]): void {
      if (finished) throw new Error('this TF-IDF fitter is finished');
      const base = docTokens.length;
      if (base + tokens.length > docTokens.array.length) docTokens.grow(base + tokens.length);
      for (let i = 0; i < tokens.length; i++) {
        const token = tokens[i]!;
        docTokens.array[base + i] = tokenIds.get(token) ?? internToken(token);
      }
      docTokens.length = base + tokens.length;
      docStart.push(docTokens.length);
      forEachWordNgram(base, tokens.length, countWord);
      if (chars) {
        const mark = rows + 1;
        for (let i = 0; i < tokens.length; i++) {
          const id = docTokens.array[base + i]!;
          for (let k = charStart.array[id]!; k < charStart.array[id + 1]!; k++) {
            const f = charIds.array[k]!;
            if (charMark.array[f] !== mark) {
              charMark.array[f] = mark;
              charDf.array[f]!++;
            }
          }
        }
      }
      rows++;
    },
    finish(): FittedTfidf {
      if (finished) throw new Error('this TF-IDF fitter is finished');
      finished = true;
      // Before the matrix is allocated: no unused room in the biggest pass-1 buffers.
      docTokens.trim();
      gramIds.trim();
      const shared = options.sharedMemory === true;
      const wordBlock = keepBlock(wordDf, options.minDf ?? 1);
      const charBlock = chars ? keepBlock(charDf, char!.minDf ?? 1) : undefined;
      const wordFeatures = wordBlock.oldId.length;
      const cols = wordFeatures + (charBlock?.oldId.length ?? 0);
      const df = new Int32Array(cols);
      const idf = new Float64Array(cols);
      for (let i = 0; i < wordFeatures; i++) df[i] = wordDf.array[wordBlock.oldId[i]!]!;
      if (charBlock)
        for (let i = 0; i < charBlock.oldId.length; i++) df[wordFeatures + i] = charDf.array[charBlock.oldId[i]!]!;
      for (let t = 0; t < cols; t++) idf[t] = Math.log((1 + rows) / (1 + df[t]!)) + 1;

      // The matrix, sized exactly: per row, the kept word features, then the kept character features.
      const nnz = wordBlock.nnz + (charBlock?.nnz ?? 0);
      const indptr = allocateInt32(rows + 1, shared);
      const indices = allocateInt32(nnz, shared);
      // Values of a block are at most its weight (L2-normalised rows, non-negative values).
      const valueScale = options.uint16 ? Math.max(1, char?.weight ?? 1) / 65535 : 1;
      const data = options.uint16
        ? allocateUint16(nnz, shared)
        : options.float32
          ? allocateFloat32(nnz, shared)
          : allocateFloat64(nnz, shared);
      const quantize = data instanceof Uint16Array;
      // One row block's values before they are written (exact, then rounded to `data`'s type).
      let rowValues = new Float64Array(1024);
      // Each row's counts, by kept feature id (0 again once the row is written).
      const counts = new Int32Array(cols);
      let rowIds = new Int32Array(1024);
      let length = 0;
      const ensureRow = (size: number) => {
        if (size <= rowIds.length) return;
        rowIds = new Int32Array(size * 2);
        rowValues = new Float64Array(size * 2);
      };
      const collectWord = (f: number): void => {
        const t = wordBlock.newId[f]!;
        if (t < 0) return;
        if (counts[t]!++ === 0) rowIds[length++] = t;
      };
      const tf = (count: number, sublinear: boolean | undefined) => (sublinear ? 1 + Math.log(count) : count);
      let at = 0;
      const emit = (sublinear: boolean | undefined, scale: number) => {
        const ids = rowIds.subarray(0, length).sort();
        for (let i = 0; i < length; i++) {
          const t = ids[i]!;
          rowValues[i] = tf(counts[t]!, sublinear) * idf[t]!;
          counts[t] = 0;
        }
        l2Normalize(rowValues, 0, length, scale);
        for (let i = 0; i < length; i++) {
          indices[at] = ids[i]!;
          data[at++] = quantize ? Math.round(rowValues[i]! / valueScale) : rowValues[i]!;
        }
      };
      let cursor = 0;
      for (let d = 0; d < rows; d++) {
        const base = docStart.array[d]!;
        const count = docStart.array[d + 1]! - base;
        ensureRow(count * (maxN - minN + 1));
        length = 0;
        cursor = forEachCountedWordNgram(base, count, cursor, collectWord);
        emit(options.sublinearTf, 1);
        if (charBlock) {
          let occurrences = 0;
          for (let i = 0; i < count; i++) {
            const id = docTokens.array[base + i]!;
            occurrences += charStart.array[id + 1]! - charStart.array[id]!;
          }
          ensureRow(occurrences);
          length = 0;
          for (let i = 0; i < count; i++) {
            const id = docTokens.array[base + i]!;
            for (let k = charStart.array[id]!; k < charStart.array[id + 1]!; k++) {
              const f = charIds.array[k]!;
              const t = charBlock.newId[f]!;
              if (t >= 0 && counts[wordFeatures + t]!++ === 0) rowIds[length++] = wordFeatures + t;
            }
          }
          emit(char!.sublinearTf, char!.weight);
        }
        indptr[d + 1] = at;
      }
      // Only the n-gram tables and the tokens stay (to name the features the model keeps).
      for (const buffer of [
        docTokens,
        docStart,
        gramIds,
        wordDf,
        wordMark,
        charDf,
        charMark,
        charStart,
        charIds,
        unigram,
      ])
        buffer.release();
      return fitted(
        { rows, cols, indptr, indices, data, ...(options.uint16 && { valueScale }) },
        {
          df,
          idf,
          wordFeatures,
          options,
          tokenList,
          words,
          chars,
          wordOldId: wordBlock.oldId,
          charOldId: charBlock?.oldId,
        },
      );
    },
  };
}

/**
 * Learns the vocabulary and idf of `docs` (token lists) and returns their
 * TF-IDF matrix (see {@link tfidfFitter}: the same, one document at a time).
 */
export function fitTfidf(
  docs: readonly (readonly string[])[],
  rangeOrOptions: readonly [number, number] | TfidfOptions,
): FittedTfidf {
  const options: TfidfOptions = 'ngramRange' in rangeOrOptions ? rangeOrOptions : { ngramRange: rangeOrOptions };
  const fitter = tfidfFitter(options);
  for (const doc of docs) fitter.add(doc);
  return fitter.finish();
}

function fitted(
  matrix: SparseMatrix,
  parts: {
    df: Int32Array;
    idf: Float64Array;
    wordFeatures: number;
    options: TfidfOptions;
    tokenList: readonly string[];
    words: NgramTable;
    chars: NgramTable | undefined;
    wordOldId: Int32Array;
    charOldId: Int32Array | undefined;
  },
): FittedTfidf {
  const { df, idf, wordFeatures, options, tokenList, words, chars, wordOldId, charOldId } = parts;
  const char = options.char;
  const cols = matrix.cols;
  const term = (f: number): string => {
    if (f < wordFeatures) {
      const key = words.key(wordOldId[f]!);
      let text = tokenList[key[0]!]!;
      for (let k = 1; k < key.length; k++) text += ` ${tokenList[key[k]!]!}`;
      return text;
    }
    return String.fromCharCode(...chars!.key(charOldId![f - wordFeatures]!));
  };

  let everything: TfidfData | undefined;
  let vectorizer: TfidfVectorizer | undefined;
  return {
    matrix,
    df,
    wordFeatures,
    term,
    get data(): TfidfData {
      everything ??= this.select();
      return everything;
    },
    get vectorizer(): TfidfVectorizer {
      vectorizer ??= tfidfVectorizer(this.data);
      return vectorizer;
    },
    select(keep?: Int32Array): TfidfData {
      const all = keep ?? Int32Array.from({ length: cols }, (_, i) => i);
      const wordKeep: number[] = [];
      const charKeep: number[] = [];
      for (const f of all) (f < wordFeatures ? wordKeep : charKeep).push(f);
      const word: TfidfData = {
        ngramRange: options.ngramRange,
        vocabulary: buildVocabulary(wordKeep.map(term)),
        idf: Float64Array.from(wordKeep, (f) => idf[f]!),
        ...(options.sublinearTf && { sublinearTf: true }),
      };
      if (!char) return word;
      return {
        ...word,
        char: {
          ngramRange: char.ngramRange,
          sublinearTf: char.sublinearTf,
          weight: char.weight,
          vocabulary: buildVocabulary(charKeep.map(term)),
          idf: Float64Array.from(charKeep, (f) => idf[f]!),
        },
      };
    },
  };
}

/** Counts of each feature id of `ids[0 .. length)` (sorted in place) as parallel arrays. */
function countSorted(ids: Int32Array, length: number): { indices: number[]; counts: number[] } {
  const sorted = ids.subarray(0, length).sort();
  const indices: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    indices.push(sorted[i]!);
    counts.push(j - i);
    i = j;
  }
  return { indices, counts };
}

export function tfidfVectorizer(data: TfidfData): TfidfVectorizer {
  const words = vocabularyFrom(data.vocabulary);
  const { ngramRange } = data;
  const char = data.char;
  const chars = char ? vocabularyFrom(char.vocabulary) : undefined;
  const wordSize = words.size;
  const size = wordSize + (chars?.size ?? 0);
  const idf = char ? Float64Array.from([...data.idf, ...char.idf]) : data.idf;
  const vocabulary: Vocabulary = chars
    ? {
        size,
        indexOf: (term) => words.indexOf(term),
        indexOfRange: (source, start, end) => words.indexOfRange(source, start, end),
        term: (index) => (index < wordSize ? words.term(index) : chars.term(index - wordSize)),
      }
    : words;
  let ids = new Int32Array(256);
  const tf = (count: number, sublinear: boolean | undefined) => (sublinear ? 1 + Math.log(count) : count);
  return {
    ngramRange,
    vocabulary,
    idf,
    charFeaturesFrom: wordSize,
    transform(tokens: readonly string[]): VectorizedText {
      const grams = ngrams(tokens, ngramRange);
      if (grams.length > ids.length) ids = new Int32Array(grams.length * 2);
      let known = 0;
      for (const gram of grams) {
        const id = words.indexOf(gram);
        if (id >= 0) ids[known++] = id;
      }
      const word = countSorted(ids, known);
      const values = word.indices.map((t, i) => tf(word.counts[i]!, data.sublinearTf) * idf[t]!);
      let indices = word.indices;
      const out = Float64Array.from(values);
      l2Normalize(out, 0, out.length);
      if (!chars || !char)
        return { indices: Int32Array.from(indices), values: out, unknown: grams.length - known, ngrams: grams.length };

      let found = 0;
      const [min, max] = char.ngramRange;
      for (const token of tokens) {
        const padded = ` ${token} `;
        forEachPaddedNgram(padded, min, max, (start, n) => {
          const id = chars.indexOfRange(padded, start, start + n);
          if (id < 0) return;
          if (found === ids.length) {
            const bigger = new Int32Array(ids.length * 2);
            bigger.set(ids);
            ids = bigger;
          }
          ids[found++] = id;
        });
      }
      const charCounts = countSorted(ids, found);
      const charValues = Float64Array.from(
        charCounts.indices,
        (t, i) => tf(charCounts.counts[i]!, char.sublinearTf) * idf[wordSize + t]!,
      );
      l2Normalize(charValues, 0, charValues.length, char.weight);
      indices = indices.concat(charCounts.indices.map((t) => wordSize + t));
      const all = new Float64Array(out.length + charValues.length);
      all.set(out);
      all.set(charValues, out.length);
      return { indices: Int32Array.from(indices), values: all, unknown: grams.length - known, ngrams: grams.length };
    },
  };
}

/** TF-IDF rows of many documents with a fitted vectorizer. */
export function transformAll(vectorizer: TfidfVectorizer, docs: readonly (readonly string[])[]): SparseMatrix {
  const rows = docs.map((tokens) => vectorizer.transform(tokens));
  const indptr = new Int32Array(rows.length + 1);
  for (let r = 0; r < rows.length; r++) indptr[r + 1] = indptr[r]! + rows[r]!.indices.length;
  const indices = new Int32Array(indptr[rows.length]!);
  const data = new Float64Array(indptr[rows.length]!);
  for (let r = 0; r < rows.length; r++) {
    indices.set(rows[r]!.indices, indptr[r]!);
    data.set(rows[r]!.values, indptr[r]!);
  }
  return { rows: rows.length, cols: vectorizer.vocabulary.size, indptr, indices, data };
}
