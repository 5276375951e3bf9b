import { config } from '../src/config.ts';
import { parseStepInput, predictInput, type PredictOutput } from '../src/contracts/steps.ts';
import { withTransientErrors } from '../src/aws/errors.ts';
import { loadHandlerContext } from '../src/lambda/load-context.ts';
import { InvalidStepInputError } from '../src/contracts/step-errors.ts';

/**
 * `Predict`: sparse vector -> category, probability, top-k, the n-grams that
 * decided it, and the route: `auto`, or `review` with the reason, under the
 * model's own routing policy (fitted at training for its target precision;
 * models from before routing: the old fixed 0.6 threshold).
 */
export const handler = async (event: unknown): Promise<PredictOutput> => {
  const input = parseStepInput(predictInput, event, 'Predict');
  const { vector } = input;
  if (vector.indices.length !== vector.values.length || vector.indices.length !== vector.terms.length) {
    throw new InvalidStepInputError('Predict: vector indices, values and terms differ in length');
  }
  const settings = config();
  const classifier = await withTransientErrors((await loadHandlerContext()).models.classifier(input.modelVersion));
  const prediction = classifier.predict(vector, { topK: settings.TOP_K, explain: settings.EXPLAIN_TERMS });
  const termOf = new Map(vector.indices.map((index, i) => [index, vector.terms[i]!]));
  return {
    category: prediction.category,
    probability: prediction.probability,
    top: prediction.top.map((t) => ({ category: t.category, probability: t.probability })),
    explanation: (prediction.explanation ?? []).map((e) => ({ term: termOf.get(e.feature)!, weight: e.contribution })),
    route: prediction.route,
    ...(prediction.reason && { reason: prediction.reason }),
    needsReview: prediction.route === 'review',
  };
};
