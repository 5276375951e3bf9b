import type { ReviewReason, Route } from '../model/routing.ts';
import * as z from '../zod.ts';
import { PREDICTION_ROUTES, REVIEW_REASONS } from './routing.ts';
import { InvalidStepInputError } from './step-errors.ts';

/**
 * The payloads between the classification workflow's states (see
 * workflows/classify-ticket.asl.json). They stay small: tokens and a packed
 * sparse vector, never the model (what a ticket may take in them is bounded by
 * the message contract's byte budget, ticket-message.ts).
 */
const modelVersion = z.string().check(z.minLength(1));

export const preprocessInput = z.object({ text: z.string(), modelVersion });
export interface PreprocessOutput {
  readonly tokens: string[];
  readonly truncated: boolean;
}

export const vectorizeInput = z.object({ tokens: z.array(z.string()), modelVersion });
export interface VectorizeOutput {
  /** The TF-IDF vector: feature indices and float32 values, packed (packed-vector.ts). */
  readonly packed: string;
  /** How many features it has. */
  readonly features: number;
  /** N-grams of the text the model has never seen. */
  readonly unknown: number;
}

/** The vector, and the ticket's tokens (the explanation of a model with character n-grams is in words). */
export const predictInput = z.object({
  vector: z.object({ packed: z.string() }),
  tokens: z.array(z.string()),
  modelVersion,
});
export interface PredictOutput {
  readonly category: string;
  readonly probability: number;
  readonly top: { category: string; probability: number }[];
  readonly explanation: { term: string; weight: number }[];
  /** `auto`: route to `category`; `review`: a person decides, for `reason`. */
  readonly route: Route;
  readonly reason?: ReviewReason;
  /** `route === 'review'`. */
  readonly needsReview: boolean;
}

const ticket = z.object({
  ticketId: z.string(),
  subject: z.optional(z.string()),
  text: z.string(),
  truncated: z.boolean(),
  receivedAt: z.string(),
});

export const publishInput = z.object({
  ticket,
  modelVersion,
  executionName: z.string(),
  prediction: z.object({
    category: z.string(),
    probability: z.number(),
    top: z.array(z.object({ category: z.string(), probability: z.number() })),
    explanation: z.array(z.object({ term: z.string(), weight: z.number() })),
    /** Absent only from a Predict step that ran before routing was added (an execution in flight across a deployment). */
    route: z.optional(z.enum(PREDICTION_ROUTES)),
    reason: z.optional(z.enum(REVIEW_REASONS)),
    needsReview: z.boolean(),
  }),
});

export const recordFailureInput = z.object({
  ticket: z.extend(z.partial(ticket), { ticketId: z.string() }),
  executionName: z.string(),
  error: z.object({ Error: z.string(), Cause: z.optional(z.string()) }),
});

/** Validates a step's input; a mismatch is a bug upstream, reported by name. */
export function parseStepInput<T extends z.ZodMiniType>(schema: T, event: unknown, step: string): z.infer<T> {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidStepInputError(`${step}: input ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}
