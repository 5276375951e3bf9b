import { parseStepInput, vectorizeInput, type VectorizeOutput } from '../src/contracts/steps.ts';
import { withTransientErrors } from '../src/aws/errors.ts';
import { loadHandlerContext } from '../src/lambda/load-context.ts';

/** `Vectorize`: tokens -> sparse TF-IDF vector over the pinned model's vocabulary. */
export const handler = async (event: unknown): Promise<VectorizeOutput> => {
  const input = parseStepInput(vectorizeInput, event, 'Vectorize');
  const vectorizer = await withTransientErrors((await loadHandlerContext()).models.vectorizer(input.modelVersion));
  const x = vectorizer.transform(input.tokens);
  const indices = Array.from(x.indices);
  return {
    indices,
    // float32 precision is all the model has; shorter JSON between states.
    values: Array.from(x.values, (v) => Math.fround(v)),
    terms: indices.map((i) => vectorizer.vocabulary.term(i)),
    unknown: x.unknown,
  };
};
