import { createPreprocessor, type Preprocessor } from '../text/preprocess.ts';
import { decodeClassifier, decodeVectorizer, type ModelManifest } from './artifact.ts';
import { contributionsToExplain, explainPrediction } from './explain.ts';
import type { CategoryProbability, LinearClassifier } from './linear.ts';
import type { ReviewReason, Route, RoutingPolicy } from './routing.ts';
import type { TfidfVectorizer } from './tfidf.ts';

export interface Explanation {
  /** An n-gram of the ticket. */
  readonly term: string;
  /** Its push towards the chosen category over the runner-up (score units). */
  readonly weight: number;
}

export interface Classification {
  readonly category: string;
  readonly probability: number;
  readonly top: readonly CategoryProbability[];
  readonly explanation: readonly Explanation[];
  /** The text was longer than the model's `maxChars` and was cut. */
  readonly truncated: boolean;
  /** How many n-grams of the text the model has never seen. */
  readonly unknownTerms: number;
  /** `auto`: route to `category`; `review`: a person decides, for `reason`. */
  readonly route: Route;
  readonly reason?: ReviewReason;
  /** `route === 'review'`. */
  readonly needsReview: boolean;
}

export interface ClassifyOptions {
  readonly topK?: number;
  readonly explain?: number;
  /** Route with this policy instead of the model's own. */
  readonly routing?: RoutingPolicy;
}

/** All three steps in one object: raw text in, category out (CLI, benchmarks, tests). */
export interface TicketClassifier {
  readonly manifest: ModelManifest;
  readonly preprocessor: Preprocessor;
  readonly vectorizer: TfidfVectorizer;
  readonly classifier: LinearClassifier;
  classify(text: string, options?: ClassifyOptions): Classification;
}

export async function loadTicketClassifier(
  manifest: ModelManifest,
  parts: { vectorizer: Uint8Array; classifier: Uint8Array },
): Promise<TicketClassifier> {
  const preprocessor = await createPreprocessor(manifest.preprocess);
  const vectorizer = decodeVectorizer(manifest, parts.vectorizer);
  const classifier = decodeClassifier(manifest, parts.classifier);
  return assembleTicketClassifier(manifest, preprocessor, vectorizer, classifier);
}

export function assembleTicketClassifier(
  manifest: ModelManifest,
  preprocessor: Preprocessor,
  vectorizer: TfidfVectorizer,
  classifier: LinearClassifier,
): TicketClassifier {
  return {
    manifest,
    preprocessor,
    vectorizer,
    classifier,
    classify(text, options = {}) {
      const { tokens, truncated } = preprocessor.preprocess(text);
      const x = vectorizer.transform(tokens);
      const explain = options.explain ?? 0;
      const prediction = classifier.predict(x, {
        topK: options.topK ?? 3,
        explain: contributionsToExplain(vectorizer, x.indices.length, explain),
        ...(options.routing && { routing: options.routing }),
      });
      return {
        category: prediction.category,
        probability: prediction.probability,
        top: prediction.top,
        explanation: explainPrediction(prediction.explanation ?? [], vectorizer, tokens, explain),
        truncated,
        unknownTerms: x.unknown,
        route: prediction.route,
        ...(prediction.reason && { reason: prediction.reason }),
        needsReview: prediction.route === 'review',
      };
    },
  };
}
