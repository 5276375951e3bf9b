import { packVector } from '../src/contracts/packed-vector.ts';
import { parseStepInput, vectorizeInput, type VectorizeOutput } from '../src/contracts/steps.ts';
import { withTransientErrors } from '../src/aws/errors.ts';
import { loadHandlerContext } from '../src/lambda/load-context.ts';

/** `Vectorize`: tokens -> sparse TF-IDF vector over the pinned model's vocabulary, packed. */
export const handler = async (event: unknown): Promise<VectorizeOutput> => {
  const input = parseStepInput(vectorizeInput, event, 'Vectorize');
  const vectorizer = await withTransientErrors((await loadHandlerContext()).models.vectorizer(input.modelVersion));
  const x = vectorizer.transform(input.tokens);
  return { packed: packVector(x), features: x.indices.length, unknown: x.unknown };
};
