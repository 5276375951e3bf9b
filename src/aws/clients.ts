import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config, type Config } from '../config.ts';
import { localClientSettings, tuneLocalClient, type LocalClientService } from './loopback-client-settings.ts';

/**
 * The AWS SDK v3 clients, one of each per process (reused across Lambda
 * invocations). With `AWS_ENDPOINT_URL` set they talk to the local servers.
 */
export interface AwsClients {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly sfn: SFNClient;
  readonly dynamo: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
}

type EndpointSettings = Pick<
  Config,
  | 'AWS_REGION'
  | 'AWS_ENDPOINT_URL'
  | 'AWS_ENDPOINT_URL_S3'
  | 'AWS_ENDPOINT_URL_SQS'
  | 'AWS_ENDPOINT_URL_DYNAMODB'
  | 'AWS_ENDPOINT_URL_SFN'
>;

export function createAwsClients(from: EndpointSettings): AwsClients {
  const settings = (service: LocalClientService, endpoint: string | undefined) => ({
    region: from.AWS_REGION,
    ...(endpoint !== undefined && {
      endpoint,
      // The local servers accept any credentials; don't go looking for real ones.
      credentials: {
        accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local',
        secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
      },
    }),
    // Loopback endpoints only: no signature, MD5 or checksum work the local servers don't check (see there).
    ...localClientSettings(service, endpoint),
  });
  const s3 = from.AWS_ENDPOINT_URL_S3 ?? from.AWS_ENDPOINT_URL;
  const sqs = from.AWS_ENDPOINT_URL_SQS ?? from.AWS_ENDPOINT_URL;
  const sfn = from.AWS_ENDPOINT_URL_SFN ?? from.AWS_ENDPOINT_URL;
  const dynamoEndpoint = from.AWS_ENDPOINT_URL_DYNAMODB ?? from.AWS_ENDPOINT_URL;
  const dynamo = tuneLocalClient('dynamodb', new DynamoDBClient(settings('dynamodb', dynamoEndpoint)), dynamoEndpoint);
  return {
    s3: tuneLocalClient('s3', new S3Client({ ...settings('s3', s3), forcePathStyle: s3 !== undefined }), s3),
    sqs: tuneLocalClient('sqs', new SQSClient(settings('sqs', sqs)), sqs),
    sfn: tuneLocalClient('sfn', new SFNClient(settings('sfn', sfn)), sfn),
    dynamo,
    documents: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
  };
}

let shared: AwsClients | undefined;

export function awsClients(): AwsClients {
  shared ??= createAwsClients(config());
  return shared;
}

export function resetAwsClients(): void {
  shared = undefined;
}
