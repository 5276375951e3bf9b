/**
 * The local AWS runtime: in-process S3/SQS/DynamoDB servers, a Step Functions
 * endpoint running the product's ASL files, in-process Lambda functions, SQS
 * event-source mappings and schedules. See runtime.ts for the entry point.
 */
export * from './runtime.ts';
export * from './emulators.ts';
export * from './event-source-mapping.ts';
export * from './schedule.ts';
export * from './logger.ts';
export * from './lambda/function-registry.ts';
export * from './stepfunctions/index.ts';
