import type { Context, APIGatewayProxyEventV2 } from 'aws-lambda';
import type { ApiResult } from '../src/api/http.ts';
import { createReviewApi, type ReviewApiDeps } from '../src/api/review-api.ts';
import { awsClients } from '../src/aws/clients.ts';
import { config } from '../src/config.ts';
import { handlerContext } from '../src/lambda/context.ts';
import { logger } from '../src/lambda/logger.ts';

/** What the routes work with: the warm container's clients, stores and caches (handlerContext). */
function deps(): ReviewApiDeps {
  const context = handlerContext();
  const settings = config();
  return {
    predictions: context.predictions,
    feedback: context.feedback,
    registry: context.registry,
    store: context.modelStore,
    manifest: (version) => context.models.manifest(version),
    sfn: awsClients().sfn,
    stateMachines: {
      ...(settings.RETRAIN_STATE_MACHINE_ARN && { 'retrain-model': settings.RETRAIN_STATE_MACHINE_ARN }),
      ...(settings.CLASSIFY_STATE_MACHINE_ARN && { 'classify-ticket': settings.CLASSIFY_STATE_MACHINE_ARN }),
    },
  };
}

const api = createReviewApi(deps, {
  log: (level, message, fields) => logger[level](message, fields),
  auth: () => config().REVIEW_API_AUTH,
});

/**
 * The review page's API: API Gateway HTTP API (payload 2.0) event in,
 * response out. Routes and validation are in src/api/review-api.ts; the
 * local runtime serves the same handler at `webUrl` (`triage start`).
 */
export const handler = (event: APIGatewayProxyEventV2, context: Context): Promise<ApiResult> => api(event, context);
