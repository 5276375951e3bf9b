import type { ModelManifest } from '../model/artifact.ts';
import { decodeClassifier, decodeVectorizer } from '../model/artifact.ts';
import type { LinearClassifier } from '../model/linear.ts';
import type { TfidfVectorizer } from '../model/tfidf.ts';
import { createPreprocessor, type Preprocessor } from '../text/preprocess.ts';
import type { S3ModelStore } from '../model-store/s3-model-store.ts';

/**
 * Model parts by version, loaded from S3 once per warm container. Versions
 * are immutable, so entries never go stale; only the few most recently used
 * versions are kept (an old version lingers while executions pinned to it finish).
 */
export class ModelCache {
  private readonly entries = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: S3ModelStore,
    private readonly capacity = 3,
  ) {}

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    let entry = this.entries.get(key) as Promise<T> | undefined;
    if (entry) {
      this.entries.delete(key); // move to the back (most recent)
      this.entries.set(key, entry);
      return entry;
    }
    entry = load();
    entry.catch(() => this.entries.delete(key)); // a failed load is retried next time
    this.entries.set(key, entry);
    while (this.entries.size > this.capacity * 4) this.entries.delete(this.entries.keys().next().value!);
    return entry;
  }

  manifest(version: string): Promise<ModelManifest> {
    return this.cached(`${version}/manifest`, () => this.store.manifest(version));
  }

  preprocessor(version: string): Promise<Preprocessor> {
    return this.cached(`${version}/preprocessor`, async () =>
      createPreprocessor((await this.manifest(version)).preprocess),
    );
  }

  vectorizer(version: string): Promise<TfidfVectorizer> {
    return this.cached(`${version}/vectorizer`, async () => {
      const manifest = await this.manifest(version);
      return decodeVectorizer(manifest, await this.store.part(manifest, 'vectorizer'));
    });
  }

  classifier(version: string): Promise<LinearClassifier> {
    return this.cached(`${version}/classifier`, async () => {
      const manifest = await this.manifest(version);
      return decodeClassifier(manifest, await this.store.part(manifest, 'classifier'));
    });
  }
}
