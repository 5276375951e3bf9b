import type { CategoryProbability } from '../model/linear.ts';
import type { ReviewReason, Route } from '../model/routing.ts';

/** Version of the messages below; bumped on any incompatible change (a field added is not one). */
export const MESSAGE_SCHEMA_VERSION = 1;

/** On the output queue: one per classified ticket. */
export interface ClassifiedMessage {
  readonly schemaVersion: typeof MESSAGE_SCHEMA_VERSION;
  readonly kind: 'classified';
  readonly ticketId: string;
  readonly category: string;
  /** Probability of `category` (0..1). */
  readonly probability: number;
  /** The most probable categories, most probable first. */
  readonly top: readonly CategoryProbability[];
  /**
   * `auto`: the model is sure enough to route the ticket to `category` without
   * a person (its threshold was fitted for a target precision); `review`: a
   * person decides, for `reason`.
   */
  readonly route: Route;
  /** With `review`: `low-confidence` (probability below the model's threshold) or `unknown` (fits no category well). */
  readonly reason?: ReviewReason;
  /** `route === 'review'` (kept for consumers that read it). */
  readonly needsReview: boolean;
  readonly modelVersion: string;
  readonly executionName: string;
  readonly receivedAt: string;
  readonly classifiedAt: string;
  /** The text was cut to the length cap before classifying. */
  readonly truncated: boolean;
}

/** On the rejected queue: a message that can never be classified. */
export interface RejectedMessage {
  readonly schemaVersion: typeof MESSAGE_SCHEMA_VERSION;
  readonly kind: 'rejected';
  readonly reason: string;
  readonly ticketId?: string;
  readonly messageId: string;
  readonly receivedAt: string;
  readonly rejectedAt: string;
  /** The original message body (cut to 64 KB), so it can be fixed and re-sent. */
  readonly originalBody: string;
  readonly originalBodyTruncated: boolean;
}

/** On the rejected queue: a classification that failed after it started. */
export interface FailedMessage {
  readonly schemaVersion: typeof MESSAGE_SCHEMA_VERSION;
  readonly kind: 'failed';
  readonly ticketId: string;
  readonly executionName: string;
  readonly error: string;
  readonly cause: string;
  readonly failedAt: string;
}

export type RejectedQueueMessage = RejectedMessage | FailedMessage;
