import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Structured JSON logs (Powertools). Handlers append ticket id, execution
 * name and model version as keys; ticket text is never logged.
 */
export const logger = new Logger({ serviceName: 'ticket-triage' });
