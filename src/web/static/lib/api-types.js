/**
 * What the review API answers with, as far as the page reads it: JSDoc types
 * only (the page imports them with `@import`, so the browser never loads this
 * file). They mirror the API's TypeScript types (`src/api/`, the stores and
 * the registry it reads); fields the page does not read are left out.
 */

/** @typedef {'confirmed' | 'corrected'} Verdict */

/**
 * A verdict as the API returns it.
 * @typedef {object} Feedback
 * @property {Verdict} verdict
 * @property {string} category the right category (the predicted one when confirmed)
 * @property {string} [predictedCategory]
 * @property {string} [by]
 * @property {string} at
 * @property {boolean} [newCategory] a category the model in service did not know
 */

/**
 * A verdict as the page shows it: saved, or `pending` (no `at` yet) while it is being saved.
 * @typedef {object} ShownFeedback
 * @property {Verdict} verdict
 * @property {string | undefined} category
 * @property {string} [by]
 * @property {string} [at]
 * @property {boolean} [newCategory]
 * @property {boolean} [pending]
 */

/** @typedef {{ category: string, probability: number }} CategoryProbability */

/**
 * Where a prediction goes: `auto` (routed to its category without a person: the model's threshold for
 * its target precision was reached) or `review` (a person decides).
 * @typedef {'auto' | 'review'} Route
 */
/**
 * Why a prediction goes to review: `low-confidence` (probability below the model's threshold) or `unknown`
 * (the ticket fits no category well).
 * @typedef {'low-confidence' | 'unknown'} ReviewReason
 */
/** @typedef {{ term: string, weight: number }} ExplanationTerm */

/**
 * A ticket in the queue (`GET /api/predictions`): the text cut to a preview.
 * @typedef {object} TicketSummary
 * @property {string} ticketId
 * @property {string} executionName
 * @property {'classified' | 'failed'} status
 * @property {string} [subject]
 * @property {string} textPreview
 * @property {boolean} truncated
 * @property {string} receivedAt
 * @property {string} classifiedAt
 * @property {string} [category] the predicted one
 * @property {number} [probability]
 * @property {CategoryProbability[]} [top]
 * @property {Route} [route] absent for a failed classification
 * @property {ReviewReason} [reason] with `review`
 * @property {boolean} [needsReview] `route === 'review'`
 * @property {string} [modelVersion]
 * @property {{ error: string, cause: string }} [error] why the classification failed
 * @property {ShownFeedback} [feedback]
 * @property {string} [feedbackAt]
 */

/**
 * A ticket in full (`GET /api/predictions/{ticketId}`): its text and the explanation of its prediction.
 * @typedef {Omit<TicketSummary, 'textPreview'> & { text: string, explanation?: ExplanationTerm[], feedbackHistory?: Feedback[] }} Ticket
 */

/** @typedef {{ items: TicketSummary[], cursor: string | null }} PredictionsPage */
/** @typedef {{ ticketId: string, feedback: Feedback }} FeedbackSaved `PUT /api/predictions/{ticketId}/feedback` */
/** @typedef {{ ticketId: string, undone: boolean, feedback: Feedback | null }} FeedbackUndone `DELETE …/feedback?at=` */

/**
 * `GET /api/stats`: feedback counts (today is the UTC day) and the model in service.
 * @typedef {object} ReviewStats
 * @property {number} reviewedToday
 * @property {number | null} agreementRate share of all feedback that confirmed the prediction
 * @property {number | null} agreementRateToday
 * @property {string | null} modelInService
 */

/**
 * @typedef {object} ClassMetrics
 * @property {string} label
 * @property {number} precision
 * @property {number} recall
 * @property {number} f1
 * @property {number} support
 */

/**
 * Coverage and precision of the automatic routes of one category.
 * @typedef {object} CategoryRouting
 * @property {string} label
 * @property {number} support tickets of this (true) category
 * @property {number} coverage share of them routed automatically
 * @property {number} autoRouted tickets routed automatically to this category
 * @property {number} autoPrecision share of those that belong to it
 */

/**
 * @typedef {object} Metrics
 * @property {number} examples
 * @property {number} accuracy
 * @property {number} macroF1
 * @property {ClassMetrics[]} perClass
 * @property {number[][]} confusion `confusion[true][predicted]`, in `labels` order
 * @property {string[]} labels
 * @property {{ coverage: number, autoPrecision: number, autoRouted: number, perCategory: CategoryRouting[] }} [routing]
 *   the automatic routes (absent from figures measured before routing was added)
 * @property {number} [ece] expected calibration error of the probabilities (15 bins)
 */

/**
 * A model version in the registry (`GET /api/models`).
 * @typedef {object} ModelSummary
 * @property {string} version
 * @property {string} profile
 * @property {string} createdAt
 * @property {string} status promoted, rejected, candidate, failed
 * @property {string} [statusReason]
 * @property {number} [accuracy]
 * @property {number} [macroF1]
 * @property {number} [coverage] share of the holdout routed automatically, at `targetPrecision`
 * @property {number} [autoPrecision] precision of those automatic routes
 * @property {number} [ece] expected calibration error (15 bins)
 * @property {number} [targetPrecision] the precision its routing policy aims for
 * @property {number} [feedbackCount]
 * @property {number} [trainingRows]
 * @property {string} [parentVersion]
 * @property {string} [retrainExecution]
 * @property {{ version: string | null, accuracy: number | null, macroF1: number | null, coverage?: number | null }} [comparedWith]
 * @property {boolean} inService
 */

/**
 * The version in service (`inService` of `GET /api/models`).
 * @typedef {object} InService
 * @property {string} version
 * @property {string} since
 * @property {string} reason why it was put in service
 * @property {string | null} previousVersion the version it replaced
 * @property {string | null} rollbackTo the version a rollback would put back (null: nothing to roll back to)
 */
/** @typedef {{ inService: InService | null, models: ModelSummary[] }} ModelsList */

/** @typedef {{ version: string, previousVersion: string | null }} ModelMoved `POST /api/models/{version}/promote`, `POST /api/models/rollback`: now in service, and the one it replaced */

/**
 * One version in full (`GET /api/models/{version}`).
 * @typedef {ModelSummary & {
 *   manifest: { labels: string[], trainingRows?: number } | null,
 *   metrics: Metrics | null,
 *   routing: { targetPrecision: number, threshold: number } | null,
 *   evaluation: { holdout: { baseRows: number, feedbackRows: number } } | null,
 *   serviceHistory: { at: string, event: string, reason: string, other?: string }[],
 * }} ModelDetail
 */

/**
 * A workflow run (`GET /api/runs`, and `run` of `GET /api/runs/{executionName}`).
 * @typedef {object} Run
 * @property {string} executionName
 * @property {string} status RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED
 * @property {string} startedAt
 * @property {string} [stoppedAt]
 * @property {string} [outcome] what the run decided or did (promoted, rejected, skipped, ...)
 * @property {string} [reason]
 * @property {string} [candidateVersion] the version a retraining made
 * @property {string} [modelVersion] the version a classification used or a retraining made
 * @property {string} [error]
 * @property {string} [cause]
 * @property {unknown} [input]
 * @property {unknown} [output]
 */

/** @typedef {{ runs: Run[], cursor: string | null }} RunsPage */

/** @typedef {'succeeded' | 'failed' | 'caught' | 'running'} StepOutcome */

/**
 * One state of a run's history, as it happened.
 * @typedef {object} RunStep
 * @property {string} name
 * @property {string} type Task, Choice, Pass, Fail, Succeed, ...
 * @property {string} enteredAt
 * @property {string} [exitedAt]
 * @property {StepOutcome} outcome
 * @property {{ at: string, error: string, cause?: string }[]} failures failed attempts, in order
 * @property {number} retries
 * @property {unknown} [input]
 * @property {unknown} [output]
 * @property {string} [error]
 * @property {string} [cause]
 */

/** @typedef {{ run: Run, history?: RunStep[] | null }} RunWithHistory `history` null: no longer kept */

/**
 * A workflow's ASL definition (`GET /api/workflows/{name}`): the file CDK deploys, and the Lambda behind each placeholder.
 * @typedef {{ definition: import('./graph-layout.js').AslDefinition, functions: Record<string, string> }} WorkflowDefinition
 */

/** @typedef {{ executionName: string }} RetrainStarted `POST /api/retrain` */

export {};
