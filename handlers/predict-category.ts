import { config } from '../src/config.ts';
import { unpackVector } from '../src/contracts/packed-vector.ts';
import { parseStepInput, predictInput, type PredictOutput } from '../src/contracts/steps.ts';
import { withTransientErrors } from '../src/aws/errors.ts';
import { loadHandlerContext } from '../src/lambda/load-context.ts';
import { contributionsToExplain, explainPrediction } from '../src/model/explain.ts';

/**
 * `Predict`: sparse vector -> category, probability, top-k and the terms that
 * decided it, named from the model's vocabulary and, for character n-grams,
 * in the ticket's words (the same explanation as `triage predict`); and the
 * route: `auto`, or `review` with the reason, under the model's own routing
 * policy (fitted at training for its target precision; models from before
 * routing: the old fixed 0.6 threshold).
 */
export const handler = async (event: unknown): Promise<PredictOutput> => {
  const input = parseStepInput(predictInput, event, 'Predict');
  const vector = unpackVector(input.vector.packed);
  const settings = config();
  const { models } = await loadHandlerContext();
  const [classifier, vectorizer] = await withTransientErrors(
    Promise.all([models.classifier(input.modelVersion), models.vectorizer(input.modelVersion)]),
  );
  const prediction = classifier.predict(vector, {
    topK: settings.TOP_K,
    explain: contributionsToExplain(vectorizer, vector.indices.length, settings.EXPLAIN_TERMS),
  });
  return {
    category: prediction.category,
    probability: prediction.probability,
    top: prediction.top.map((t) => ({ category: t.category, probability: t.probability })),
    explanation: explainPrediction(prediction.explanation ?? [], vectorizer, input.tokens, settings.EXPLAIN_TERMS),
    route: prediction.route,
    ...(prediction.reason && { reason: prediction.reason }),
    needsReview: prediction.route === 'review',
  };
};
