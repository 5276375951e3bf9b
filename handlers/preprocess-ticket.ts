import { parseStepInput, preprocessInput, type PreprocessOutput } from '../src/contracts/steps.ts';
import { withTransientErrors } from '../src/aws/errors.ts';
import { loadHandlerContext } from '../src/lambda/load-context.ts';

/** `Preprocess`: raw text -> normalised tokens, with the pinned model's own preprocessing config. */
export const handler = async (event: unknown): Promise<PreprocessOutput> => {
  const input = parseStepInput(preprocessInput, event, 'Preprocess');
  const preprocessor = await withTransientErrors((await loadHandlerContext()).models.preprocessor(input.modelVersion));
  const { tokens, truncated } = preprocessor.preprocess(input.text);
  return { tokens, truncated };
};
