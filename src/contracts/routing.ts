import type { ReviewReason, Route } from '../model/routing.ts';

/**
 * The routes and review reasons as values, for the schemas of the step
 * payloads and the review API's filters (the model core defines the types;
 * these lists are held to them both ways, so neither can gain a value alone).
 */
export const PREDICTION_ROUTES = ['auto', 'review'] as const satisfies readonly Route[];
export const REVIEW_REASONS = ['low-confidence', 'unknown'] as const satisfies readonly ReviewReason[];

type Exhaustive<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : false;
const routesComplete: Exhaustive<Route, (typeof PREDICTION_ROUTES)[number]> = true;
const reasonsComplete: Exhaustive<ReviewReason, (typeof REVIEW_REASONS)[number]> = true;
void routesComplete;
void reasonsComplete;

/**
 * The route of a prediction recorded before routing was added: it carried
 * only `needsReview` (probability below the old fixed threshold).
 */
export function legacyRoute(needsReview: boolean): { route: Route; reason?: ReviewReason } {
  return needsReview ? { route: 'review', reason: 'low-confidence' } : { route: 'auto' };
}

/**
 * The route of a recorded ticket: its own, or for one classified before
 * routing was added, the one its `needsReview` implies (undefined for a
 * failed classification, which has none).
 */
export function routeOf(record: {
  readonly route?: Route;
  readonly reason?: ReviewReason;
  readonly needsReview?: boolean;
  readonly status: string;
}): { route: Route; reason?: ReviewReason } | undefined {
  if (record.route) return { route: record.route, ...(record.reason && { reason: record.reason }) };
  if (record.status !== 'classified' || record.needsReview === undefined) return undefined;
  return legacyRoute(record.needsReview);
}
