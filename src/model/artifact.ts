import { createHash } from 'node:crypto';
import * as z from '../zod.ts';
import { STEMMER_LANGUAGES } from '../text/config.ts';
import { ArtifactFormatError, decodeContainer, encodeContainer } from './binary.ts';
import { linearClassifier, type LinearClassifier, type LinearModelData } from './linear.ts';
import type { Metrics } from './metrics.ts';
import { PROFILE_NAMES } from './profiles.ts';
import { UNKNOWN_SIGNALS } from './routing.ts';
import { tfidfVectorizer, type TfidfData, type TfidfVectorizer } from './tfidf.ts';
import type { TrainedModel } from './train.ts';

export { ArtifactFormatError } from './binary.ts';

/**
 * A model artifact is three files, stored together under `models/<version>/`:
 * `manifest.json` (what the model is: profile, preprocessing, labels, lineage,
 * metrics, and the sha256 of each part), `vectorizer.bin` (vocabulary + idf:
 * all the Vectorize step loads) and `classifier.bin` (weights: all the Predict
 * step loads). Numbers are float32 on disk; a version never changes once written.
 */
export const MODEL_FORMAT = 'ticket-triage-model';
/**
 * 2: optional character n-gram block and sublinear tf in `vectorizer.bin`, a
 * routing policy in `classifier.bin` and `manifest.json`. Version 1 models
 * (word n-grams, no routing policy: routed at the old fixed 0.6) still load.
 */
export const MODEL_FORMAT_VERSION = 2;
export const READABLE_FORMAT_VERSIONS: readonly number[] = [1, 2];
export const MODEL_FILES = {
  manifest: 'manifest.json',
  vectorizer: 'vectorizer.bin',
  classifier: 'classifier.bin',
} as const;

const partSchema = z.object({
  file: z.string(),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  bytes: z.int().check(z.nonnegative()),
});

const preprocessSchema = z.object({
  stopWords: z.enum(['nltk-english', 'none']),
  normalizer: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('wordnet-lemma') }),
    z.object({ kind: z.literal('stem'), language: z.enum(STEMMER_LANGUAGES) }),
    z.object({ kind: z.literal('none') }),
  ]),
  ngramRange: z.tuple([z.int().check(z.positive()), z.int().check(z.positive())]),
  maxChars: z.int().check(z.positive()),
});

const lineageSchema = z.object({
  dataset: z.object({ sha256: z.string(), rows: z.int().check(z.nonnegative()), source: z.optional(z.string()) }),
  feedback: z.optional(
    z.object({
      count: z.int().check(z.nonnegative()),
      watermark: z.optional(z.string()),
      snapshotKey: z.optional(z.string()),
    }),
  ),
  parentVersion: z.optional(z.string()),
});

const routingSchema = z.object({
  targetPrecision: z.number(),
  confidenceZ: z.optional(z.number()),
  threshold: z.number(),
  perCategory: z.optional(z.record(z.string(), z.number())),
  unknown: z.optional(
    z.object({
      signal: z.enum(UNKNOWN_SIGNALS),
      below: z.number(),
      inScopeRate: z.number(),
      inScopeCost: z.optional(z.number()),
    }),
  ),
  curve: z.optional(z.object({ rows: z.array(z.number()), right: z.array(z.number()) })),
  fitted: z.object({
    rows: z.int().check(z.nonnegative()),
    coverage: z.number(),
    precision: z.number(),
    perCategoryNote: z.optional(z.string()),
  }),
});

const featuresSchema = z.object({
  sublinearTf: z.optional(z.boolean()),
  minDf: z.optional(z.int().check(z.positive())),
  float32: z.optional(z.boolean()),
  char: z.optional(
    z.object({
      ngramRange: z.tuple([z.int().check(z.positive()), z.int().check(z.positive())]),
      sublinearTf: z.boolean(),
      minDf: z.int().check(z.positive()),
      weight: z.number().check(z.positive()),
    }),
  ),
});

export const manifestSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  formatVersion: z.union([z.literal(1), z.literal(2)]),
  version: z.string().check(z.minLength(1)),
  createdAt: z.string(),
  profile: z.enum(PROFILE_NAMES),
  parameters: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  preprocess: preprocessSchema,
  /** TF-IDF options beyond the word n-grams (absent: raw counts, word n-grams only). */
  features: z.optional(featuresSchema),
  /** When predictions are routed automatically (absent in version 1 models). */
  routing: z.optional(routingSchema),
  /** Categories left out of training as unknown (`--unknown-label`, `--hold-out-categories`). */
  openSet: z.optional(
    z.object({
      unknownLabel: z.optional(z.string()),
      heldOutCategories: z.optional(z.array(z.string())),
      seed: z.optional(z.int()),
    }),
  ),
  labels: z.array(z.string()).check(z.minLength(2)),
  numFeatures: z.int().check(z.nonnegative()),
  trainingRows: z.int().check(z.nonnegative()),
  parts: z.object({ vectorizer: partSchema, classifier: partSchema }),
  lineage: lineageSchema,
  validation: z.optional(z.unknown()),
  metrics: z.optional(z.unknown()),
});

export type ModelManifest = z.infer<typeof manifestSchema> & { readonly metrics?: Metrics };
export type ModelLineage = z.infer<typeof lineageSchema>;

export interface PackagedModel {
  readonly manifest: ModelManifest;
  /** File name -> bytes, including `manifest.json`. */
  readonly files: Readonly<Record<string, Uint8Array>>;
}

export const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

function compactTimestamp(iso: string): string {
  return iso.replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export interface PackageOptions {
  readonly lineage: ModelLineage;
  readonly createdAt?: Date;
  /** Defaults to `<yyyymmdd-hhmmss>-<profile>-<8 hex of the weights' sha256>`. */
  readonly version?: string;
  readonly metrics?: Metrics;
  /** Categories left out of training as unknown. */
  readonly openSet?: ModelManifest['openSet'];
}

/** Serialises a trained model into its three files. */
export function packageModel(model: TrainedModel, options: PackageOptions): PackagedModel {
  const { tfidf } = model;
  const charFeatures = tfidf.char?.idf.length ?? 0;
  const vectorizerBytes = encodeContainer(
    'vectorizer',
    {
      ngramRange: tfidf.ngramRange,
      numFeatures: tfidf.idf.length + charFeatures,
      ...(tfidf.sublinearTf && { sublinearTf: true }),
      ...(tfidf.char && {
        char: {
          ngramRange: tfidf.char.ngramRange,
          sublinearTf: tfidf.char.sublinearTf,
          weight: tfidf.char.weight,
          numFeatures: charFeatures,
        },
      }),
    },
    {
      terms: tfidf.vocabulary.terms,
      offsets: tfidf.vocabulary.offsets,
      table: tfidf.vocabulary.table,
      idf: Float32Array.from(tfidf.idf),
      ...(tfidf.char && {
        charTerms: tfidf.char.vocabulary.terms,
        charOffsets: tfidf.char.vocabulary.offsets,
        charTable: tfidf.char.vocabulary.table,
        charIdf: Float32Array.from(tfidf.char.idf),
      }),
    },
  );
  const vectorizerSha = sha256(vectorizerBytes);
  const c = model.classifier;
  const classifierBytes = encodeContainer(
    'classifier',
    {
      labels: c.labels,
      numFeatures: c.numFeatures,
      probability: c.probability,
      vectorizerSha256: vectorizerSha,
      ...(c.routing && { routing: c.routing }),
    },
    { weights: c.weights instanceof Float32Array ? c.weights : Float32Array.from(c.weights), bias: c.bias },
  );
  const classifierSha = sha256(classifierBytes);
  const createdAt = (options.createdAt ?? new Date()).toISOString();
  const version =
    options.version ?? `${compactTimestamp(createdAt)}-${model.profile.name}-${classifierSha.slice(0, 8)}`;
  const manifest: ModelManifest = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    version,
    createdAt,
    profile: model.profile.name,
    parameters: model.parameters,
    preprocess: model.profile.preprocess as ModelManifest['preprocess'],
    ...(model.profile.features && { features: model.profile.features as ModelManifest['features'] }),
    ...(c.routing && { routing: c.routing as ModelManifest['routing'] }),
    labels: [...c.labels],
    numFeatures: c.numFeatures,
    trainingRows: model.trainingRows,
    parts: {
      vectorizer: { file: MODEL_FILES.vectorizer, sha256: vectorizerSha, bytes: vectorizerBytes.length },
      classifier: { file: MODEL_FILES.classifier, sha256: classifierSha, bytes: classifierBytes.length },
    },
    lineage: options.lineage,
    ...(options.openSet && { openSet: options.openSet }),
    ...(model.validation && { validation: model.validation }),
    ...(options.metrics && { metrics: options.metrics }),
  };
  return {
    manifest,
    files: {
      [MODEL_FILES.manifest]: new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`),
      [MODEL_FILES.vectorizer]: vectorizerBytes,
      [MODEL_FILES.classifier]: classifierBytes,
    },
  };
}

/** Parses and validates `manifest.json`; errors say what is wrong. */
export function parseManifest(text: string): ModelManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ArtifactFormatError('manifest.json is not valid JSON');
  }
  const format = (json as { format?: unknown; formatVersion?: unknown } | null) ?? {};
  if (format.format !== MODEL_FORMAT) throw new ArtifactFormatError(`manifest.json is not a ${MODEL_FORMAT} manifest`);
  if (!READABLE_FORMAT_VERSIONS.includes(format.formatVersion as number)) {
    throw new ArtifactFormatError(
      `model format version ${String(format.formatVersion)} is not supported (this build reads versions ${READABLE_FORMAT_VERSIONS.join(' and ')})`,
    );
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ArtifactFormatError(`manifest.json: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data as ModelManifest;
}

function verify(part: { file: string; sha256: string; bytes: number }, bytes: Uint8Array): void {
  if (bytes.length !== part.bytes)
    throw new ArtifactFormatError(
      `${part.file} is ${bytes.length} bytes; the manifest says ${part.bytes} (truncated or replaced?)`,
    );
  if (sha256(bytes) !== part.sha256)
    throw new ArtifactFormatError(
      `${part.file} does not match its checksum in manifest.json (corrupt or from another model)`,
    );
}

export function decodeVectorizer(
  manifest: ModelManifest,
  bytes: Uint8Array,
  options: { verify?: boolean } = {},
): TfidfVectorizer {
  if (options.verify !== false) verify(manifest.parts.vectorizer, bytes);
  const { meta, sections } = decodeContainer(bytes, 'vectorizer');
  const { ngramRange, numFeatures, sublinearTf, char } = meta as {
    ngramRange: [number, number];
    numFeatures: number;
    sublinearTf?: boolean;
    char?: { ngramRange: [number, number]; sublinearTf: boolean; weight: number; numFeatures: number };
  };
  if (numFeatures !== manifest.numFeatures)
    throw new ArtifactFormatError(`vectorizer has ${numFeatures} features; the manifest says ${manifest.numFeatures}`);
  const data: TfidfData = {
    ngramRange,
    vocabulary: {
      terms: sections.get('terms') as string,
      offsets: sections.get('offsets') as Uint32Array,
      table: sections.get('table') as Int32Array,
    },
    idf: sections.get('idf') as Float32Array,
    ...(sublinearTf && { sublinearTf: true }),
    ...(char && {
      char: {
        ngramRange: char.ngramRange,
        sublinearTf: char.sublinearTf,
        weight: char.weight,
        vocabulary: {
          terms: sections.get('charTerms') as string,
          offsets: sections.get('charOffsets') as Uint32Array,
          table: sections.get('charTable') as Int32Array,
        },
        idf: sections.get('charIdf') as Float32Array,
      },
    }),
  };
  if (char && !(data.char!.idf instanceof Float32Array))
    throw new ArtifactFormatError('vectorizer.bin lacks its character n-gram sections');
  return tfidfVectorizer(data);
}

export function decodeClassifier(
  manifest: ModelManifest,
  bytes: Uint8Array,
  options: { verify?: boolean } = {},
): LinearClassifier {
  if (options.verify !== false) verify(manifest.parts.classifier, bytes);
  const { meta, sections } = decodeContainer(bytes, 'classifier');
  const m = meta as {
    labels: string[];
    numFeatures: number;
    probability: LinearModelData['probability'];
    vectorizerSha256: string;
    routing?: LinearModelData['routing'];
  };
  if (m.vectorizerSha256 !== manifest.parts.vectorizer.sha256) {
    throw new ArtifactFormatError(
      'classifier.bin was trained with a different vectorizer than this manifest names (mismatched model parts)',
    );
  }
  if (m.labels.join('\u0000') !== manifest.labels.join('\u0000'))
    throw new ArtifactFormatError('classifier labels differ from the manifest');
  return linearClassifier({
    labels: m.labels,
    numFeatures: m.numFeatures,
    probability: m.probability,
    ...(m.routing && { routing: m.routing }),
    weights: sections.get('weights') as Float32Array,
    bias: sections.get('bias') as Float64Array,
  });
}
