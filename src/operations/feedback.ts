import type { ModelManifest } from '../model/artifact.ts';
import type { ModelRegistry } from '../model-store/registry.ts';
import type { Feedback, FeedbackInput } from '../feedback/rules.ts';
import type { FeedbackStore } from '../storage/feedback.ts';

export interface FeedbackDeps {
  readonly feedback: Pick<FeedbackStore, 'submit'>;
  readonly registry: Pick<ModelRegistry, 'inService'>;
  /** A model version's manifest (a cache in Lambda, S3 directly in the CLI). */
  readonly manifest: (version: string) => Promise<ModelManifest>;
}

/** The categories feedback may name without `allowNewCategory`: those of the model in service. */
export async function knownCategories(deps: Pick<FeedbackDeps, 'registry' | 'manifest'>): Promise<string[]> {
  const pointer = await deps.registry.inService();
  return pointer ? [...(await deps.manifest(pointer.modelVersion)).labels] : [];
}

/** Checks a person's verdict against the ticket and the model in service, and records it. */
export async function submitFeedback(
  deps: FeedbackDeps,
  ticketId: string,
  input: FeedbackInput,
): Promise<{ feedback: Feedback; replaced?: Feedback }> {
  return deps.feedback.submit(ticketId, input, await knownCategories(deps));
}
