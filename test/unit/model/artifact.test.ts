import { describe, expect, it } from 'vitest';
import { REFERENCE_PREPROCESS } from '../../../src/text/index.ts';
import { createPreprocessor } from '../../../src/text/preprocess.ts';
import {
  ArtifactFormatError,
  assembleTicketClassifier,
  buildVocabulary,
  decodeClassifier,
  decodeVectorizer,
  linearClassifier,
  loadTicketClassifier,
  MODEL_FILES,
  packageModel,
  parseManifest,
  PROFILES,
  tfidfVectorizer,
  trainModel,
  vocabularyFrom,
} from '../../../src/model/index.ts';

const texts = [
  'Printer jammed again on floor 2',
  'printer toner is empty',
  'I cannot log in, my password expired',
  'account locked after password reset',
  'please order a new laptop for the new hire',
  'purchase request: two monitors',
  'scanner does not turn on',
  'reset my VPN password please',
  'quote for ten keyboards',
];
const labels = ['Hardware', 'Hardware', 'Access', 'Access', 'Purchase', 'Purchase', 'Hardware', 'Access', 'Purchase'];
const lineage = { dataset: { sha256: 'a'.repeat(64), rows: texts.length } };

describe('vocabulary', () => {
  it('finds every term and nothing else', () => {
    const terms = ['printer', 'printer jam', 'zürich', '東京', 'a', ''];
    const v = vocabularyFrom(buildVocabulary(terms));
    terms.forEach((t, i) => {
      expect(v.indexOf(t)).toBe(i);
    });
    expect(v.indexOf('printe')).toBe(-1);
    expect(v.term(1)).toBe('printer jam');
  });
});

describe('model artifact', async () => {
  const model = await trainModel({ texts, labels, profile: PROFILES.reference });
  const packaged = packageModel(model, { lineage, createdAt: new Date('2026-11-28T10:00:00Z') });
  const manifest = parseManifest(new TextDecoder().decode(packaged.files[MODEL_FILES.manifest]));

  it('records the preprocessing, labels, lineage and checksums', () => {
    expect(manifest.preprocess).toEqual(REFERENCE_PREPROCESS);
    expect(manifest.labels).toEqual(['Access', 'Hardware', 'Purchase']);
    expect(manifest.lineage).toEqual(lineage);
    expect(manifest.version).toMatch(/^20261128-100000-reference-[0-9a-f]{8}$/);
    expect(manifest.parts.vectorizer.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('round-trips: the loaded model predicts what the trained one does', async () => {
    const loaded = await loadTicketClassifier(manifest, {
      vectorizer: packaged.files[MODEL_FILES.vectorizer]!,
      classifier: packaged.files[MODEL_FILES.classifier]!,
    });
    // The trained model, as it is in memory before packaging.
    const trained = assembleTicketClassifier(
      manifest,
      await createPreprocessor(manifest.preprocess),
      tfidfVectorizer(model.tfidf),
      linearClassifier(model.classifier),
    );
    const all = manifest.labels.length;
    for (const text of [...texts, 'the printer is jammed', 'new password for the portal']) {
      const fromArtifact = loaded.classify(text, { topK: all });
      const inMemory = trained.classify(text, { topK: all });
      expect(
        fromArtifact.top.map((t) => t.category),
        text,
      ).toEqual(inMemory.top.map((t) => t.category));
      fromArtifact.top.forEach((t, i) => {
        expect(t.probability, text).toBeCloseTo(inMemory.top[i]!.probability, 5);
      });
      // A probability distribution over every category, most probable first.
      expect(fromArtifact.top.reduce((s, t) => s + t.probability, 0)).toBeCloseTo(1, 6);
      expect(fromArtifact.top.every((t) => t.probability > 0)).toBe(true);
      expect(fromArtifact.probability).toBe(fromArtifact.top[0]!.probability);
    }
    const result = loaded.classify('the printer is jammed', { explain: 2 });
    expect(result.category).toBe('Hardware');
    expect(result.explanation[0]!.term).toMatch(/print|jam/);
  });

  it('loads from an unaligned buffer too', () => {
    const bytes = packaged.files[MODEL_FILES.classifier]!;
    const shifted = new Uint8Array(bytes.length + 1).fill(0);
    shifted.set(bytes, 1);
    expect(decodeClassifier(manifest, shifted.subarray(1)).labels).toEqual(manifest.labels);
  });

  it('rejects a corrupt part', () => {
    const bytes = packaged.files[MODEL_FILES.vectorizer]!.slice();
    bytes[bytes.length - 1]! ^= 0xff;
    expect(() => decodeVectorizer(manifest, bytes)).toThrow(/checksum/);
  });

  it('rejects a part from another model', async () => {
    const other = packageModel(
      await trainModel({
        texts: [...texts, 'new monitor needed'],
        labels: [...labels, 'Purchase'],
        profile: PROFILES.reference,
      }),
      { lineage },
    );
    expect(() => decodeClassifier(manifest, other.files[MODEL_FILES.classifier]!)).toThrow(ArtifactFormatError);
    expect(() => decodeClassifier(manifest, other.files[MODEL_FILES.classifier]!, { verify: false })).toThrow(
      /different vectorizer/,
    );
  });

  it('explains what is wrong with a bad manifest', () => {
    expect(() => parseManifest('{')).toThrow(/not valid JSON/);
    expect(() => parseManifest('{"format":"other"}')).toThrow(/not a ticket-triage-model manifest/);
    expect(() => parseManifest(JSON.stringify({ ...manifest, formatVersion: 99 }))).toThrow(
      /version 99 is not supported/,
    );
    expect(() => parseManifest(JSON.stringify({ ...manifest, labels: ['only'] }))).toThrow(/labels/);
  });

  it('refuses training data with a single category', async () => {
    await expect(
      trainModel({ texts: ['a b', 'c d'], labels: ['x', 'x'], profile: PROFILES.reference }),
    ).rejects.toThrow(/at least 2 categories.*"x"/);
  });
});

describe('model artifact: logistic regression with an unknown rule fitted for its cost', async () => {
  const many = Array.from({ length: 8 }, () => texts).flat();
  const manyLabels = Array.from({ length: 8 }, () => labels).flat();
  const model = await trainModel({
    texts: many,
    labels: manyLabels,
    profile: PROFILES['logistic-char'],
    unknownCost: 0.05,
  });
  const packaged = packageModel(model, { lineage });
  const manifest = parseManifest(new TextDecoder().decode(packaged.files[MODEL_FILES.manifest]));

  it('stores the classifier kind and the unknown rule, and loads them back', async () => {
    expect(manifest.profile).toBe('logistic-char');
    expect(manifest.parameters.classifier).toBe('logistic-ovr');
    expect(manifest.routing?.unknown?.inScopeCost).toBeLessThanOrEqual(0.05);
    const loaded = await loadTicketClassifier(manifest, {
      vectorizer: packaged.files[MODEL_FILES.vectorizer]!,
      classifier: packaged.files[MODEL_FILES.classifier]!,
    });
    expect(loaded.classifier.data.routing?.unknown).toEqual(model.routing.unknown);
    expect(loaded.classify('the printer is jammed').category).toBe('Hardware');
  });
});

describe('model artifact, version 2: character n-grams and a routing policy', async () => {
  const many = Array.from({ length: 8 }, () => texts).flat();
  const manyLabels = Array.from({ length: 8 }, () => labels).flat();
  const model = await trainModel({
    texts: many,
    labels: manyLabels,
    profile: PROFILES['linear-svm-char'],
    targetPrecision: 0.9,
  });
  const packaged = packageModel(model, { lineage });
  const manifest = parseManifest(new TextDecoder().decode(packaged.files[MODEL_FILES.manifest]));
  const parts = {
    vectorizer: packaged.files[MODEL_FILES.vectorizer]!,
    classifier: packaged.files[MODEL_FILES.classifier]!,
  };

  it('records the features and the routing policy', () => {
    expect(manifest.formatVersion).toBe(2);
    expect(manifest.features?.char?.ngramRange).toEqual([2, 5]);
    expect(manifest.routing?.targetPrecision).toBe(0.9);
    expect(manifest.routing?.threshold).toBe(model.routing.threshold);
  });

  it('round-trips: the loaded vectorizer and classifier compute what the trained ones do', async () => {
    const loaded = await loadTicketClassifier(manifest, parts);
    expect(loaded.vectorizer.vocabulary.size).toBe(model.classifier.numFeatures);
    const x = loaded.vectorizer.transform(['printerz', 'jammed']); // "printerz" is unknown as a word
    expect(x.unknown).toBeGreaterThan(0);
    expect(Array.from(x.indices).some((i) => i >= model.tfidf.idf.length)).toBe(true); // its char n-grams are known
    const result = loaded.classify('the printerz is jammed', { explain: 3 });
    expect(result.category).toBe('Hardware');
    // Character n-grams are explained through the words that contain them.
    expect(result.explanation.length).toBeGreaterThan(0);
    for (const e of result.explanation) expect(e.term).toMatch(/^\w+( \w+)?$/);
    expect(loaded.classifier.data.routing).toEqual(model.routing);
    expect(result.route === 'review').toBe(result.needsReview);
    const threshold = loaded.classifier.data.routing!.threshold;
    expect(result.route).toBe(result.probability >= threshold ? 'auto' : 'review');
  });

  it('still loads a version 1 model, routed at the old fixed 0.6', async () => {
    const old = await trainModel({ texts, labels, profile: PROFILES.reference });
    const { routing: _r, ...classifierV1 } = old.classifier;
    const v1 = packageModel({ ...old, classifier: classifierV1 }, { lineage });
    const { routing: _m, features: _f, ...manifestV1 } = v1.manifest;
    const parsed = parseManifest(JSON.stringify({ ...manifestV1, formatVersion: 1 }));
    const loaded = await loadTicketClassifier(parsed, {
      vectorizer: v1.files[MODEL_FILES.vectorizer]!,
      classifier: v1.files[MODEL_FILES.classifier]!,
    });
    const result = loaded.classify('printer toner is empty');
    expect(result.route).toBe(result.probability >= 0.6 ? 'auto' : 'review');
  });
});
