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
