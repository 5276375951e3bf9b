import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { WebPageConfig } from '../../src/web/page-config.ts';
import { contentSecurityPolicy, STATIC_ROOT, webPageFiles } from '../../src/web/static-files.ts';

export interface ReviewPageProps {
  /** The review API, served on the page's own origin under `/api/*`. */
  readonly api: apigw.IHttpApi;
  /** The page's `config.json` (how to sign in; CDK tokens allowed). */
  readonly config: WebPageConfig;
  /**
   * Origins the page's sign-in sends requests to (the token endpoint): the
   * CSP's connect-src beyond 'self'. Tokens allowed.
   */
  readonly connectOrigins: readonly string[];
  /** Where S3 writes the server access logs of the page's buckets. */
  readonly accessLogsBucket: s3.IBucket;
  /** @default Duration.days(90) */
  readonly logExpiration?: Duration;
}

/**
 * Copies the page's files ({@link webPageFiles}: exactly what the local server
 * serves) into one directory to deploy: named by their content, made once.
 */
export function stagePageFiles(): string {
  const files = [...webPageFiles()].sort(([a], [b]) => a.localeCompare(b));
  const hash = createHash('sha256');
  for (const [path, file] of files) hash.update(path).update('\0').update(readFileSync(file)).update('\0');
  const dir = join(tmpdir(), `ticket-triage-page-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(dir)) return dir;
  const staging = `${dir}.${process.pid}.tmp`;
  for (const [path, file] of files) {
    const target = join(staging, ...path.split('/').filter(Boolean));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file, target);
  }
  try {
    renameSync(staging, dir);
  } catch (error) {
    if (!existsSync(dir)) throw error;
  }
  return dir;
}

/**
 * The review page on AWS: its files in a private S3 bucket, read by
 * CloudFront through origin access control; the review API on the same
 * distribution under `/api/*` (never cached, every viewer header but Host
 * passed on, so the `Authorization` header reaches API Gateway's JWT
 * authorizer); HTTPS only; the page's security headers (the same CSP as the
 * local server's, HSTS, nosniff, frame-ancestors 'none' and DENY, no
 * referrer) on every response. `cdk deploy` uploads the files and the
 * deployment's `config.json` (CDK's BucketDeployment).
 */
export class ReviewPage extends Construct {
  readonly bucket: s3.Bucket;
  readonly logsBucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly headers: cloudfront.ResponseHeadersPolicy;
  readonly deployment: s3deploy.BucketDeployment;
  /** `https://<distribution domain>/` */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ReviewPageProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.bucket = new s3.Bucket(this, 'Files', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'review-page/',
      // The files are deployed from the repository: nothing to keep, but a bucket with objects cannot be deleted.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // CloudFront's standard logs need a bucket with ACLs (CloudFront writes them as the log-delivery account).
    this.logsBucket = new s3.Bucket(this, 'CdnLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'review-page-cdn-logs/',
      lifecycleRules: [{ expiration: props.logExpiration ?? Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const indexHtml = readFileSync(join(STATIC_ROOT, 'index.html'), 'utf8');
    this.headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'ticket-triage review page: the same security headers as the local server',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: contentSecurityPolicy(indexHtml, props.connectOrigins),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [{ header: 'Cross-Origin-Opener-Policy', value: 'same-origin', override: true }],
      },
    });

    const apiOrigin = new origins.HttpOrigin(`${props.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'ticket-triage review page and its API',
      defaultRootObject: 'index.html',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logsBucket,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.headers,
        compress: true,
      },
      additionalBehaviors: {
        '/api/*': {
          origin: apiOrigin,
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: this.headers,
          compress: true,
        },
      },
    });
    this.url = `https://${this.distribution.distributionDomainName}/`;

    this.deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
      sources: [s3deploy.Source.asset(stagePageFiles()), s3deploy.Source.jsonData('config.json', props.config)],
      destinationBucket: this.bucket,
      // Every file revalidates (no-cache): browsers get a new deployment at once, CloudFront within its minimum
      // TTL (1 s), so no invalidation (and no cloudfront:CreateInvalidation on every distribution) is needed.
      cacheControl: [s3deploy.CacheControl.noCache()],
    });

    this.acknowledgeFindings();
  }

  private acknowledgeFindings(): void {
    // CDK's BucketDeployment provider: one function per stack, made by aws-cdk-lib with its own role.
    const provider = Stack.of(this)
      .node.children.filter((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'))
      .at(0);
    if (provider) {
      const why =
        "aws-cdk-lib's BucketDeployment provider function, which runs only while `cdk deploy` copies the page's files (its role is made by aws-cdk-lib, not here)";
      const ack = (id: string, reason: string) =>
        Validations.of(provider).acknowledge({ id, reason: `${why}: ${reason}` });
      ack(
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'the managed policy lets it write its own CloudWatch Logs, nothing else.',
      );
      for (const action of ['s3:GetBucket*', 's3:GetObject*', 's3:List*'])
        ack(
          `AwsSolutions-IAM5[Action::${action}]`,
          "read the page's asset zip from the CDK bootstrap assets bucket, and list and compare the page bucket's files (aws-cdk-lib's grantRead and grantReadWrite).",
        );
      for (const action of ['s3:Abort*', 's3:DeleteObject*'])
        ack(
          `AwsSolutions-IAM5[Action::${action}]`,
          "replace and prune the page's files in the page bucket, and only there (aws-cdk-lib's grantReadWrite of that bucket).",
        );
      ack(
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
        "the objects of the CDK bootstrap assets bucket, where `cdk deploy` uploads the page's files as a zip.",
      );
      ack(
        `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
        'the objects of the page bucket, which it keeps equal to the files in the repository.',
      );
      ack(
        'AwsSolutions-L1',
        'aws-cdk-lib chooses and updates its Python runtime with each release; upgrading aws-cdk-lib is how it moves to the latest.',
      );
    }
    const distribution = this.distribution;
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'The reviewers work from wherever the team is; who may use the page is decided by sign-in (Cognito, MFA required) and the API enforces it on every request, so a country allow-list would add nothing but lock-outs.',
    });
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'No WAF web ACL by default (about $5 a month plus per rule and per request): the page is static files without data, every /api/* request needs a Cognito token that API Gateway checks before the function runs, and the API stage is throttled (50 requests/s, burst 100).',
    });
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        'The distribution uses its own cloudfront.net name and certificate, for which CloudFront fixes the viewer TLS policy whatever minimumProtocolVersion says; a custom domain with an ACM certificate is what lifts it to TLSv1.2_2021.',
    });
  }
}
