import { forEachPaddedNgram } from '../text/char-ngrams.ts';
import { ngrams } from '../text/ngrams.ts';
import type { SparseMatrix, SparseVector } from './sparse.ts';
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
  readonly char?: CharFeatureOptions & { readonly minDf?: number };
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

class GrowableInt32 {
  array = new Int32Array(1 << 16);
  length = 0;
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
}

function l2Normalize(values: Float32Array | Float64Array, start: number, end: number, scale = 1): void {
  let sum = 0;
  for (let i = start; i < end; i++) sum += values[i]! * values[i]!;
  if (sum === 0) return;
  const norm = Math.sqrt(sum);
  if (scale === 1) for (let i = start; i < end; i++) values[i]! /= norm;
  else for (let i = start; i < end; i++) values[i] = (values[i]! / norm) * scale;
}

/** Sorted feature ids of one row -> (id, count) pairs appended to the outputs. */
function appendCounts(sorted: Int32Array, indices: GrowableInt32, counts: GrowableInt32): void {
  for (let i = 0; i < sorted.length; ) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    indices.push(sorted[i]!);
    counts.push(j - i);
    i = j;
  }
}

/**
 * Learns the vocabulary and idf of `docs` (token lists) and returns their
 * TF-IDF matrix. N-grams are interned as sequences of token ids (words) or
 * character codes (characters) in typed open-addressing tables: no string is
 * built per n-gram occurrence, and n-gram strings are only made for the
 * features a model keeps ({@link FittedTfidf.data}).
 */
export function fitTfidf(
  docs: readonly (readonly string[])[],
  rangeOrOptions: readonly [number, number] | TfidfOptions,
): FittedTfidf {
  const options: TfidfOptions = 'ngramRange' in rangeOrOptions ? rangeOrOptions : { ngramRange: rangeOrOptions };
  const [minN, maxN] = options.ngramRange;
  const char = options.char;
  const tokenIds = new Map<string, number>();
  const tokenList: string[] = [];
  const words = new NgramTable(maxN);
  const chars = char ? new NgramTable(char.ngramRange[1]) : undefined;
  // Character n-gram ids of each distinct token, computed once: [charStart[id], charStart[id + 1]).
  const charStart = new GrowableInt32();
  charStart.push(0);
  const charIds = new GrowableInt32();
  let codes = new Int32Array(64);

  const rows = docs.length;
  const wordIndptr = new Int32Array(rows + 1);
  const wordIndices = new GrowableInt32();
  const wordCounts = new GrowableInt32();
  const charIndptr = new Int32Array(rows + 1);
  const charIndices = new GrowableInt32();
  const charCounts = new GrowableInt32();
  let ids = new Int32Array(1024);
  let features = new Int32Array(1024);
  // The unigram feature of each token id (-1: not interned yet): no hashing for most n-grams.
  const unigram = new GrowableInt32();

  for (let d = 0; d < rows; d++) {
    const tokens = docs[d]!;
    if (tokens.length > ids.length) ids = new Int32Array(tokens.length * 2);
    let charTotal = 0;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      let id = tokenIds.get(token);
      if (id === undefined) {
        id = tokenList.length;
        tokenIds.set(token, id);
        tokenList.push(token);
        unigram.push(-1);
        if (chars) {
          const length = token.length + 2;
          if (length > codes.length) codes = new Int32Array(length * 2);
          codes[0] = 32;
          for (let k = 0; k < token.length; k++) codes[k + 1] = token.charCodeAt(k);
          codes[length - 1] = 32;
          forEachPaddedNgram({ length }, char!.ngramRange[0], char!.ngramRange[1], (start, n) =>
            charIds.push(chars.intern(codes, start, n)),
          );
          charStart.push(charIds.length);
        }
      }
      ids[i] = id;
      if (chars) charTotal += charStart.array[id + 1]! - charStart.array[id]!;
    }
    let count = 0;
    const maxGrams = Math.max(tokens.length * (maxN - minN + 1), charTotal);
    if (maxGrams > features.length) features = new Int32Array(maxGrams * 2);
    for (let n = minN; n <= maxN; n++) {
      if (n === 1) {
        for (let i = 0; i < tokens.length; i++) {
          let f = unigram.array[ids[i]!]!;
          if (f < 0) {
            f = words.intern(ids, i, 1);
            unigram.array[ids[i]!] = f;
          }
          features[count++] = f;
        }
        continue;
      }
      for (let i = 0; i + n <= tokens.length; i++) features[count++] = words.intern(ids, i, n);
    }
    appendCounts(features.subarray(0, count).sort(), wordIndices, wordCounts);
    wordIndptr[d + 1] = wordIndices.length;
    if (chars) {
      count = 0;
      for (let i = 0; i < tokens.length; i++) {
        const id = ids[i]!;
        for (let k = charStart.array[id]!; k < charStart.array[id + 1]!; k++) features[count++] = charIds.array[k]!;
      }
      appendCounts(features.subarray(0, count).sort(), charIndices, charCounts);
      charIndptr[d + 1] = charIndices.length;
    }
  }

  // Document frequencies, then the features that stay (df >= minDf), renumbered densely.
  const block = (size: number, indices: GrowableInt32, minDf: number) => {
    const df = new Int32Array(size);
    for (let i = 0; i < indices.length; i++) df[indices.array[i]!]!++;
    const newId = new Int32Array(size).fill(-1);
    const oldId: number[] = [];
    for (let f = 0; f < size; f++) {
      if (df[f]! >= minDf) {
        newId[f] = oldId.length;
        oldId.push(f);
      }
    }
    return { df, newId, oldId: Int32Array.from(oldId) };
  };
  const wordBlock = block(words.size, wordIndices, options.minDf ?? 1);
  const charBlock = chars ? block(chars.size, charIndices, char!.minDf ?? 1) : undefined;
  const wordFeatures = wordBlock.oldId.length;
  const cols = wordFeatures + (charBlock?.oldId.length ?? 0);
  const df = new Int32Array(cols);
  const idf = new Float64Array(cols);
  for (let i = 0; i < wordBlock.oldId.length; i++) df[i] = wordBlock.df[wordBlock.oldId[i]!]!;
  if (charBlock)
    for (let i = 0; i < charBlock.oldId.length; i++) df[wordFeatures + i] = charBlock.df[charBlock.oldId[i]!]!;
  for (let t = 0; t < cols; t++) idf[t] = Math.log((1 + rows) / (1 + df[t]!)) + 1;

  // The matrix: per row, the kept word features, then the kept character features.
  let nnz = 0;
  for (let i = 0; i < wordIndices.length; i++) if (wordBlock.newId[wordIndices.array[i]!]! >= 0) nnz++;
  if (charBlock) for (let i = 0; i < charIndices.length; i++) if (charBlock.newId[charIndices.array[i]!]! >= 0) nnz++;
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(nnz);
  const data = options.float32 ? new Float32Array(nnz) : new Float64Array(nnz);
  const tf = (count: number, sublinear: boolean | undefined) => (sublinear ? 1 + Math.log(count) : count);
  let at = 0;
  for (let d = 0; d < rows; d++) {
    const wordStart = at;
    for (let i = wordIndptr[d]!; i < wordIndptr[d + 1]!; i++) {
      const t = wordBlock.newId[wordIndices.array[i]!]!;
      if (t < 0) continue;
      indices[at] = t;
      data[at++] = tf(wordCounts.array[i]!, options.sublinearTf) * idf[t]!;
    }
    l2Normalize(data, wordStart, at);
    if (charBlock) {
      const charStartAt = at;
      for (let i = charIndptr[d]!; i < charIndptr[d + 1]!; i++) {
        const t = charBlock.newId[charIndices.array[i]!]!;
        if (t < 0) continue;
        indices[at] = wordFeatures + t;
        data[at++] = tf(charCounts.array[i]!, char!.sublinearTf) * idf[wordFeatures + t]!;
      }
      l2Normalize(data, charStartAt, at, char!.weight);
    }
    indptr[d + 1] = at;
  }

  const term = (f: number): string => {
    if (f < wordFeatures) {
      const key = words.key(wordBlock.oldId[f]!);
      let text = tokenList[key[0]!]!;
      for (let k = 1; k < key.length; k++) text += ` ${tokenList[key[k]!]!}`;
      return text;
    }
    return String.fromCharCode(...chars!.key(charBlock!.oldId[f - wordFeatures]!));
  };

  let everything: TfidfData | undefined;
  let vectorizer: TfidfVectorizer | undefined;
  return {
    matrix: { rows, cols, indptr, indices, data },
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
          const id = chars.indexOf(padded.slice(start, start + n));
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
