import { ngrams } from '../text/ngrams.ts';
import type { SparseMatrix, SparseVector } from './sparse.ts';
import { NgramTable } from './ngram-table.ts';
import { buildVocabulary, vocabularyFrom, type Vocabulary, type VocabularyData } from './vocabulary.ts';

/**
 * scikit-learn's `CountVectorizer(ngram_range)` + `TfidfTransformer()`:
 * raw counts x smooth idf `ln((1 + n) / (1 + df)) + 1`, rows L2-normalised.
 */
export interface TfidfVectorizer {
  readonly ngramRange: readonly [number, number];
  readonly vocabulary: Vocabulary;
  readonly idf: Float32Array | Float64Array;
  /** Tokens -> TF-IDF row; n-grams outside the vocabulary are counted in `unknown`. */
  transform(tokens: readonly string[]): VectorizedText;
}

export interface VectorizedText extends SparseVector {
  readonly indices: Int32Array;
  readonly values: Float64Array;
  /** How many n-grams of the text are not in the vocabulary. */
  readonly unknown: number;
}

/** The serialisable parts of a fitted vectorizer. */
export interface TfidfData {
  readonly ngramRange: readonly [number, number];
  readonly vocabulary: VocabularyData;
  readonly idf: Float32Array | Float64Array;
}

export interface FittedTfidf {
  readonly data: TfidfData;
  readonly vectorizer: TfidfVectorizer;
  /** The TF-IDF matrix of the training documents. */
  readonly matrix: SparseMatrix;
  /** Document frequency of each term. */
  readonly df: Int32Array;
}

class GrowableInt32 {
  array = new Int32Array(1 << 16);
  length = 0;
  push(value: number): void {
    if (this.length === this.array.length) {
      const bigger = new Int32Array(this.array.length * 2);
      bigger.set(this.array);
      this.array = bigger;
    }
    this.array[this.length++] = value;
  }
  toArray(): Int32Array {
    return this.array.slice(0, this.length);
  }
}

function l2Normalize(values: Float64Array, start: number, end: number): void {
  let sum = 0;
  for (let i = start; i < end; i++) sum += values[i]! * values[i]!;
  if (sum === 0) return;
  const norm = Math.sqrt(sum);
  for (let i = start; i < end; i++) values[i]! /= norm;
}

/** Learns the vocabulary and idf of `docs` (token lists) and returns their TF-IDF matrix. */
export function fitTfidf(docs: readonly (readonly string[])[], ngramRange: readonly [number, number]): FittedTfidf {
  const [minN, maxN] = ngramRange;
  const tokenIds = new Map<string, number>();
  const tokenList: string[] = [];
  const table = new NgramTable(maxN);
  const indptr = new Int32Array(docs.length + 1);
  const indices = new GrowableInt32();
  const counts = new GrowableInt32();
  let ids = new Int32Array(1024);
  let features = new Int32Array(1024);

  for (let d = 0; d < docs.length; d++) {
    const tokens = docs[d]!;
    if (tokens.length > ids.length) ids = new Int32Array(tokens.length * 2);
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      let id = tokenIds.get(token);
      if (id === undefined) {
        id = tokenList.length;
        tokenIds.set(token, id);
        tokenList.push(token);
      }
      ids[i] = id;
    }
    let count = 0;
    const maxGrams = tokens.length * (maxN - minN + 1);
    if (maxGrams > features.length) features = new Int32Array(maxGrams * 2);
    for (let n = minN; n <= maxN; n++) {
      for (let i = 0; i + n <= tokens.length; i++) features[count++] = table.intern(ids, i, n);
    }
    const sorted = features.subarray(0, count).sort();
    for (let i = 0; i < sorted.length; ) {
      let j = i + 1;
      while (j < sorted.length && sorted[j] === sorted[i]) j++;
      indices.push(sorted[i]!);
      counts.push(j - i);
      i = j;
    }
    indptr[d + 1] = indices.length;
  }
  const terms: string[] = new Array(table.size);
  for (let f = 0; f < table.size; f++) {
    const key = table.key(f);
    let term = tokenList[key[0]!]!;
    for (let k = 1; k < key.length; k++) term += ` ${tokenList[key[k]!]!}`;
    terms[f] = term;
  }

  const cols = terms.length;
  const finalIndices = indices.toArray();
  const df = new Int32Array(cols);
  for (let i = 0; i < finalIndices.length; i++) df[finalIndices[i]!]!++;
  const idf = new Float64Array(cols);
  const n = docs.length;
  for (let t = 0; t < cols; t++) idf[t] = Math.log((1 + n) / (1 + df[t]!)) + 1;

  const data = new Float64Array(finalIndices.length);
  const rawCounts = counts.array;
  for (let i = 0; i < data.length; i++) data[i] = rawCounts[i]! * idf[finalIndices[i]!]!;
  for (let d = 0; d < docs.length; d++) l2Normalize(data, indptr[d]!, indptr[d + 1]!);

  const tfidfData: TfidfData = { ngramRange, vocabulary: buildVocabulary(terms), idf };
  return {
    data: tfidfData,
    vectorizer: tfidfVectorizer(tfidfData),
    matrix: { rows: docs.length, cols, indptr, indices: finalIndices, data },
    df,
  };
}

export function tfidfVectorizer(data: TfidfData): TfidfVectorizer {
  const vocabulary = vocabularyFrom(data.vocabulary);
  const { idf, ngramRange } = data;
  return {
    ngramRange,
    vocabulary,
    idf,
    transform(tokens: readonly string[]): VectorizedText {
      const grams = ngrams(tokens, ngramRange);
      const ids = new Int32Array(grams.length);
      let known = 0;
      for (const gram of grams) {
        const id = vocabulary.indexOf(gram);
        if (id >= 0) ids[known++] = id;
      }
      const sorted = ids.subarray(0, known).sort();
      const outIndices: number[] = [];
      const outValues: number[] = [];
      for (let i = 0; i < sorted.length; ) {
        let j = i + 1;
        while (j < sorted.length && sorted[j] === sorted[i]) j++;
        outIndices.push(sorted[i]!);
        outValues.push((j - i) * idf[sorted[i]!]!);
        i = j;
      }
      const values = Float64Array.from(outValues);
      l2Normalize(values, 0, values.length);
      return { indices: Int32Array.from(outIndices), values, unknown: grams.length - known };
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
