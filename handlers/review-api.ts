import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createReviewApi, type ReviewApiDeps } from '../src/api/review-api.ts';
import type { ApiResult } from '../src/api/http.ts';
import { awsClients } from '../src/aws/clients.ts';
import { config } from '../src/config.ts';
import { handlerContext } from '../src/lambda/context.ts';
import { logger } from '../src/lambda/logger.ts';

function build(): (event: APIGatewayProxyEventV2) => Promise<ApiResult> {
  const context = handlerContext();
  const settings = config();
  const deps: ReviewApiDeps = {
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
    log: (level, message, fields) => logger[level](message, fields),
  };
  return createReviewApi(deps);
}

/**
 * The review page's API: API Gateway HTTP API (payload 2.0) event in,
 * response out. Routes and validation are in src/api/review-api.ts; the
 * local runtime serves the same handler at `webUrl` (`triage start`). The
 * clients and caches behind it are the warm container's (handlerContext).
 */
export const handler = async (event: APIGatewayProxyEventV2): Promise<ApiResult> => build()(event);
