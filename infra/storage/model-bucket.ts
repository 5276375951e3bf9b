import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource } from '../nag.ts';

/**
 * What lives where in the model bucket. `models/<version>/...` is written by
 * `src/model-store/s3-model-store.ts`; the other prefixes are the retraining
 * workflow's (base training set, feedback snapshots, evaluations).
 */
export const BUCKET_PREFIXES = {
  models: 'models/',
  datasets: 'datasets/',
  feedback: 'feedback/',
  evaluations: 'evaluations/',
} as const;

export type BucketPrefix = keyof typeof BUCKET_PREFIXES;

export interface ModelBucketProps {
  /**
   * What happens to the bucket (and its model versions) when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * How long a replaced or deleted object version is kept. Model versions are
   * immutable, so this mostly bounds the cost of overwritten feedback snapshots.
   *
   * @default Duration.days(90)
   */
  readonly noncurrentVersionExpiration?: Duration;

  /**
   * How long S3 server access logs are kept in the log bucket.
   *
   * @default Duration.days(365)
   */
  readonly accessLogExpiration?: Duration;
}

/**
 * The S3 bucket of model versions, base training data and feedback snapshots,
 * and the bucket its server access logs go to.
 *
 * Both: SSE-S3 encryption, all public access blocked, bucket owner enforced
 * (no ACLs), TLS 1.2+ only (`enforceSSL`, `minimumTLSVersion`). The model bucket
 * is versioned, so an overwritten or deleted object can be recovered.
 *
 * The log bucket has no access logging of its own: cdk-nag's S1 accepts a
 * bucket that is the access log destination of another bucket of the stack.
 *
 * SSE-S3 rather than SSE-KMS: the data is not more sensitive than the tables it
 * was derived from, every reader would need kms:Decrypt grants, and the access
 * log destination cannot be SSE-KMS at all.
 *
 * Access is granted per prefix with {@link grantRead} / {@link grantWrite},
 * never bucket-wide.
 */
export class ModelBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ModelBucketProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: props.accessLogExpiration ?? Duration.days(365),
          noncurrentVersionExpiration: Duration.days(30),
        },
      ],
      removalPolicy,
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'model-bucket/',
      lifecycleRules: [
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(90),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      removalPolicy,
    });
  }

  /** `arn:...:bucket/<prefix>*`: the objects under one prefix. */
  objectsArn(prefix: BucketPrefix): string {
    return this.bucket.arnForObjects(`${BUCKET_PREFIXES[prefix]}*`);
  }

  /**
   * `s3:GetObject` on the objects under one prefix, and `s3:ListBucket` limited
   * to that prefix (without it a missing object answers 403 instead of
   * `NoSuchKey`, and the handlers could not say "model version X is not in S3").
   */
  grantRead(role: iam.IRole, prefix: BucketPrefix): void {
    const objects = this.objectsArn(prefix);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects] }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': `${BUCKET_PREFIXES[prefix]}*` } },
      }),
    );
    acknowledgeWildcardResource(
      role,
      objects,
      `Object keys under ${BUCKET_PREFIXES[prefix]} are only known at run time (one key per version/file); the wildcard is confined to that prefix of this one bucket.`,
    );
  }

  /**
   * `s3:PutObject` and `s3:AbortMultipartUpload` on the objects under one
   * prefix. The model store writes an object over 8 MiB as a multipart upload
   * (`@aws-sdk/lib-storage`): creating, uploading and completing the parts is
   * `s3:PutObject` in IAM; a part that fails makes it abort the upload.
   */
  grantWrite(role: iam.IRole, prefix: BucketPrefix): void {
    const objects = this.objectsArn(prefix);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [objects] }),
    );
    acknowledgeWildcardResource(
      role,
      objects,
      `Writes new objects under ${BUCKET_PREFIXES[prefix]} whose keys are only known at run time; the wildcard is confined to that prefix of this one bucket.`,
    );
  }
}
