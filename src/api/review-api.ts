import type { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from '../zod.ts';
import type { ModelManifest } from '../model/artifact.ts';
import type { ModelRegistry } from '../model-store/registry.ts';
import type { S3ModelStore } from '../model-store/s3-model-store.ts';
import { describeModel, listModels, promoteByHand, rollback, rollbackTarget } from '../operations/models.ts';
import { submitFeedback } from '../operations/feedback.ts';
import type { FeedbackStore, ReviewedTicket } from '../storage/feedback.ts';
import type { PredictionStore } from '../storage/predictions.ts';
import { PREDICTION_ROUTES, REVIEW_REASONS, routeOf } from '../contracts/routing.ts';
import { WORKFLOWS, type WorkflowName } from '../workflows/catalog.ts';
import { workflowDefinition } from '../workflows/definitions.ts';
import { describeRun, listRuns, RUN_NAME, RUN_NAME_RULE, RUN_STATUSES, startRetrain } from '../workflows/runs.ts';
import { elideTicketText } from './elide.ts';
import { ApiError, booleanParam, createApi, json, parseBody, route, type ApiRequest, type ApiRoute } from './http.ts';
import { roleCheck, type ApiAuthMode } from './roles.ts';

/**
 * The review page's API (`handlers/review-api.ts` on Lambda behind API
 * Gateway, and the local HTTP server): predictions, feedback, stats, models
 * and workflow runs. JSON in and out; errors are `{ error, message }`.
 *
 *   GET  /api/predictions?route=&reason=&needsReview=&category=&hasFeedback=&status=&limit=&cursor=
 *   GET  /api/predictions/{ticketId}
 *   PUT  /api/predictions/{ticketId}/feedback   {verdict: confirmed|corrected, category?, by?, allowNewCategory?}
 *   DELETE /api/predictions/{ticketId}/feedback?at=   undo: the verdict it replaced is current again (or none)
 *   GET  /api/stats
 *   GET  /api/models
 *   GET  /api/models/{version}
 *   POST /api/models/{version}/promote           {reason?, by?, expectedInService?}   admins: put it in service by hand
 *   POST /api/models/rollback                    {reason?, by?, expectedInService?}   admins: back to the one before
 *   POST /api/retrain                            {by?}
 *   GET  /api/runs?workflow=&status=&limit=&cursor=
 *   GET  /api/runs/{executionName}?workflow=&history=&showText=
 *   GET  /api/workflows, GET /api/workflows/{name}   the ASL definitions (the run graph)
 */
export interface ReviewApiDeps {
  readonly predictions: Pick<PredictionStore, 'list'>;
  readonly feedback: Pick<FeedbackStore, 'get' | 'submit' | 'undo' | 'stats'>;
  readonly registry: Pick<ModelRegistry, 'get' | 'inService' | 'list' | 'movePointer' | 'setStatus'>;
  readonly store: Pick<S3ModelStore, 'manifest' | 'part' | 'getObject'>;
  readonly manifest: (version: string) => Promise<ModelManifest>;
  readonly sfn: Pick<SFNClient, 'send'>;
  /** State machine ARNs by workflow name (absent: not deployed / not configured). */
  readonly stateMachines: Partial<Record<WorkflowName, string>>;
}

const TEXT_PREVIEW_CHARS = 280;

/** A ticket in a list: the text cut to a preview, without the explanation and history. */
export function predictionSummary(ticket: ReviewedTicket) {
  const {
    text,
    explanation: _explanation,
    feedbackHistory: _history,
    listKey: _listKey,
    feedbackListKey: _feedbackListKey,
    ...rest
  } = ticket;
  return {
    ...rest,
    ...routeOf(ticket),
    textPreview: text.length > TEXT_PREVIEW_CHARS ? `${text.slice(0, TEXT_PREVIEW_CHARS)}…` : text,
    textLength: text.length,
  };
}

/** A ticket in full (text, explanation, feedback history), without the index keys. */
export function predictionDetail(ticket: ReviewedTicket) {
  const { listKey: _listKey, feedbackListKey: _feedbackListKey, ...rest } = ticket;
  return { ...rest, ...routeOf(ticket) };
}

/** Who is calling: the identity in the API Gateway JWT authorizer's claims, when there is one. */
export function callerOf(event: APIGatewayProxyEventV2): string | undefined {
  const claims = (event as APIGatewayProxyEventV2WithJWTAuthorizer).requestContext?.authorizer?.jwt?.claims;
  if (!claims) return undefined;
  for (const name of ['email', 'cognito:username', 'username', 'preferred_username', 'sub']) {
    const value = claims[name];
    if (typeof value === 'string' && value.trim()) return value.trim();
  }
  return undefined;
}

const ticketIdParam = (request: ApiRequest): string => {
  const ticketId = request.params.ticketId!;
  if (ticketId.length > 256) throw new ApiError('BadRequest', 'the ticket id is longer than 256 characters');
  return ticketId;
};

/** Text of 1 to `max` characters, surrounding spaces removed first. */
const trimmedText = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));

const listPredictionsQuery = z.object({
  route: z.optional(z.enum(PREDICTION_ROUTES)),
  reason: z.optional(z.enum(REVIEW_REASONS)),
  needsReview: z.optional(booleanParam),
  hasFeedback: z.optional(booleanParam),
  category: z.optional(trimmedText(200)),
  status: z.optional(z.enum(['classified', 'failed'])),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 25),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2000))),
});

const feedbackBody = z.strictObject({
  verdict: z.enum(['confirmed', 'corrected']),
  category: z.optional(trimmedText(200)),
  by: z.optional(trimmedText(200)),
  allowNewCategory: z.optional(z.boolean()),
});

const retrainBody = z.strictObject({ by: z.optional(trimmedText(200)) });

/** A person's decision on the model in service (promote, roll back): why, and what they saw in service. */
const modelDecisionBody = z.strictObject({
  reason: z.optional(z.string().check(z.trim(), z.maxLength(500))),
  by: z.optional(trimmedText(200)),
  /** The version the caller saw in service: 409 if another one is by now (the page sends it). */
  expectedInService: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
});

/** Model versions are S3 path segments (src/model-store/s3-model-store.ts); anything else names none. */
const versionParam = (request: ApiRequest): string => {
  const version = request.params.version!;
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(version))
    throw new ApiError('BadRequest', 'a model version is 1-128 letters, digits, ".", "_" and "-"');
  return version;
};

const undoQuery = z.object({ at: z.optional(z.iso.datetime()) });

const workflowParam = z._default(
  z.enum(Object.keys(WORKFLOWS) as [WorkflowName, ...WorkflowName[]]),
  'retrain-model' as WorkflowName,
);

const runQuery = z.object({
  workflow: workflowParam,
  history: z._default(booleanParam, false),
  showText: z._default(booleanParam, false),
});

const listRunsQuery = z.object({
  workflow: workflowParam,
  status: z.optional(z.enum(RUN_STATUSES)),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 20),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(4000))),
});

function stateMachineOf(deps: ReviewApiDeps, workflow: WorkflowName): string {
  const arn = deps.stateMachines[workflow];
  if (!arn)
    throw new ApiError(
      'NotConfigured',
      `the ${workflow} workflow is not configured here (its state machine ARN is not set)`,
    );
  return arn;
}

export const ROUTES: readonly ApiRoute<ReviewApiDeps>[] = [
  route({
    method: 'GET',
    path: '/api/predictions',
    query: listPredictionsQuery,
    async handle(request, deps) {
      const q = request.query;
      if (q.reason !== undefined && q.route === 'auto')
        throw new ApiError('BadRequest', 'reason is why a ticket goes to review: it goes with route=review, not auto');
      const filters = {
        ...(q.route !== undefined && { route: q.route }),
        ...(q.reason !== undefined && { reason: q.reason }),
        ...(q.needsReview !== undefined && { needsReview: q.needsReview }),
        ...(q.hasFeedback !== undefined && { hasFeedback: q.hasFeedback }),
        ...(q.category !== undefined && { category: q.category }),
        ...(q.status !== undefined && { status: q.status }),
      };
      const page = await deps.predictions.list({ limit: q.limit, filters, ...(q.cursor && { cursor: q.cursor }) });
      return json(200, {
        items: page.items.map((t) => predictionSummary(t as ReviewedTicket)),
        cursor: page.cursor ?? null,
      });
    },
  }),
  route({
    method: 'GET',
    path: '/api/predictions/:ticketId',
    async handle(request, deps) {
      const ticketId = ticketIdParam(request);
      const ticket = await deps.feedback.get(ticketId);
      if (!ticket) throw new ApiError('NotFound', `there is no ticket "${ticketId}"`);
      return json(200, { ticket: predictionDetail(ticket) });
    },
  }),
  route({
    method: 'PUT',
    path: '/api/predictions/:ticketId/feedback',
    async handle(request, deps) {
      const ticketId = ticketIdParam(request);
      const body = parseBody(feedbackBody, request);
      const by = callerOf(request.event) ?? body.by;
      const result = await submitFeedback(deps, ticketId, { ...body, ...(by && { by }) });
      return json(200, { ticketId, feedback: result.feedback, replaced: result.replaced ?? null });
    },
  }),
  route({
    method: 'DELETE',
    path: '/api/predictions/:ticketId/feedback',
    query: undoQuery,
    async handle(request, deps) {
      const ticketId = ticketIdParam(request);
      const { at } = request.query;
      const result = await deps.feedback.undo(ticketId, { ...(at && { at }) });
      return json(200, { ticketId, undone: result.undone, feedback: result.restored ?? null });
    },
  }),
  route({
    method: 'GET',
    path: '/api/stats',
    async handle(_request, deps) {
      const [stats, pointer] = await Promise.all([deps.feedback.stats(), deps.registry.inService()]);
      return json(200, { ...stats, modelInService: pointer?.modelVersion ?? null });
    },
  }),
  route({
    method: 'GET',
    path: '/api/models',
    async handle(_request, deps) {
      const { inService, models } = await listModels(deps.registry);
      const rollbackTo = inService ? ((await rollbackTarget(deps.registry, inService))?.version ?? null) : null;
      return json(200, {
        inService: inService
          ? {
              version: inService.modelVersion,
              since: inService.promotedAt,
              reason: inService.reason,
              previousVersion: inService.previousVersion ?? null,
              rollbackTo,
            }
          : null,
        models,
      });
    },
  }),
  route({
    method: 'GET',
    path: '/api/models/:version',
    async handle(request, deps) {
      return json(200, { model: await describeModel(deps, versionParam(request)) });
    },
  }),
  route({
    method: 'POST',
    path: '/api/models/:version/promote',
    async handle(request, deps) {
      const version = versionParam(request);
      const { by: givenBy, ...decision } = parseBody(modelDecisionBody, request, { optional: true });
      const by = callerOf(request.event) ?? givenBy;
      const result = await promoteByHand(deps, version, { ...decision, ...(by && { by }) });
      return json(200, result);
    },
  }),
  route({
    method: 'POST',
    path: '/api/models/rollback',
    async handle(request, deps) {
      const { by: givenBy, ...decision } = parseBody(modelDecisionBody, request, { optional: true });
      const by = callerOf(request.event) ?? givenBy;
      const result = await rollback(deps, { ...decision, ...(by && { by }) });
      return json(200, result);
    },
  }),
  route({
    method: 'POST',
    path: '/api/retrain',
    async handle(request, deps) {
      const body = parseBody(retrainBody, request, { optional: true });
      const arn = stateMachineOf(deps, 'retrain-model');
      const running = await listRuns(deps.sfn, arn, { status: 'RUNNING', limit: 1 });
      if (running.runs.length > 0)
        throw new ApiError(
          'Conflict',
          `a retraining is already running (${running.runs[0]!.executionName}); follow it at /api/runs/${running.runs[0]!.executionName}`,
        );
      const by = callerOf(request.event) ?? body.by;
      const started = await startRetrain(deps.sfn, arn, { trigger: 'api', ...(by && { by }) });
      return json(202, { ...started, url: `/api/runs/${started.executionName}` });
    },
  }),
  route({
    method: 'GET',
    path: '/api/runs',
    query: listRunsQuery,
    async handle(request, deps) {
      const q = request.query;
      const page = await listRuns(deps.sfn, stateMachineOf(deps, q.workflow), {
        limit: q.limit,
        // The outcome and model version are in each run's output: one DescribeExecution per run of the page.
        details: true,
        ...(q.status && { status: q.status }),
        ...(q.cursor && { nextToken: q.cursor }),
      });
      return json(200, { workflow: q.workflow, runs: page.runs, cursor: page.nextToken ?? null });
    },
  }),
  route({
    method: 'GET',
    path: '/api/runs/:executionName',
    query: runQuery,
    async handle(request, deps) {
      const q = request.query;
      const executionName = request.params.executionName!;
      if (!RUN_NAME.test(executionName)) throw new ApiError('BadRequest', RUN_NAME_RULE);
      const arn = stateMachineOf(deps, q.workflow);
      const { history, ...run } = await describeRun(deps.sfn, arn, executionName, { history: q.history });
      const body = { workflow: q.workflow, run, ...(history !== undefined && { history }), textShown: q.showText };
      return json(200, q.showText ? body : (elideTicketText(body) as object));
    },
  }),
  route({
    method: 'GET',
    path: '/api/workflows',
    async handle(_request, deps) {
      const workflows = (Object.keys(WORKFLOWS) as WorkflowName[]).map((name) => ({
        name,
        description: WORKFLOWS[name].description,
        configured: deps.stateMachines[name] !== undefined,
      }));
      return json(200, { workflows });
    },
  }),
  route({
    method: 'GET',
    path: '/api/workflows/:name',
    async handle(request) {
      const name = request.params.name!;
      if (!Object.hasOwn(WORKFLOWS, name))
        throw new ApiError(
          'NotFound',
          `there is no workflow "${name}" (there are: ${Object.keys(WORKFLOWS).join(', ')})`,
        );
      return json(200, workflowDefinition(name as WorkflowName), { 'cache-control': 'max-age=300' });
    },
  }),
];

/** Settings of the API around its routes (logging; middleware for every request, see src/api/http.ts). */
export interface ReviewApiOptions {
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
  readonly middleware?: Parameters<typeof createApi>[0]['middleware'];
  /**
   * `jwt` (on AWS, and locally with sign-in): every request carries a JWT
   * authorizer's claims, and the caller's groups must allow the route
   * (src/api/roles.ts). Read per request (like `deps`). Default `none`:
   * everyone may do everything.
   */
  readonly auth?: () => ApiAuthMode;
}

/**
 * The API as one function: API Gateway HTTP API event (and Lambda context) in,
 * response out. Never throws. `deps` is looked up per request.
 */
export function createReviewApi(deps: () => ReviewApiDeps, options: ReviewApiOptions = {}) {
  return createApi({
    name: 'review API request',
    routes: ROUTES,
    deps,
    ...(options.log && { log: options.log }),
    // Roles first: a request its caller may not make is refused before anything else looks at it.
    middleware: [roleCheck(options.auth ?? (() => 'none')), ...(options.middleware ?? [])],
  });
}
