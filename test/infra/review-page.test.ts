import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_LOGICAL_IDS } from '../../infra/sign-in/reviewer-sign-in.ts';
import { contentSecurityPolicy, STATIC_ROOT, webPageFiles } from '../../src/web/static-files.ts';
import { actionsOf, logicalId, resourcesOf, synth, type Statement, type Synthesized } from './support.ts';

/**
 * The review page on AWS (infra/web/review-page.ts) and its sign-in
 * (infra/sign-in/reviewer-sign-in.ts), from the synthesized template.
 */
let s: Synthesized;
beforeAll(() => {
  s = synth();
});

const ref = (construct: Parameters<typeof logicalId>[0]) => ({ Ref: logicalId(construct) });
const arnOf = (construct: Parameters<typeof logicalId>[0]) => ({ 'Fn::GetAtt': [logicalId(construct), 'Arn'] });
const resourcesOfType = (type: string, json = s.json) =>
  Object.entries(json.Resources).filter(([, r]) => r.Type === type);
interface Origin {
  Id: string;
  DomainName: { 'Fn::Join': [string, unknown[]] } & Record<string, unknown>;
  S3OriginConfig?: unknown;
}
interface Behavior {
  TargetOriginId: string;
  ResponseHeadersPolicyId: unknown;
}
const distributionConfig = () =>
  s.json.Resources[logicalId(s.stack.reviewPage.distribution)]!.Properties!.DistributionConfig as {
    Origins: Origin[];
    DefaultCacheBehavior: Behavior;
    CacheBehaviors: Behavior[];
  };
const pageUrl = () => ({
  'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(s.stack.reviewPage.distribution), 'DomainName'] }, '/']],
});

/** A CloudFormation string value with every intrinsic function replaced by `<token>`. */
function withTokens(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map((part) => (typeof part === 'string' ? part : '<token>')).join(join[0]);
  return '<token>';
}

/** Every file of a directory, as URL paths. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(`/${relative(dir, path).split(sep).join('/')}`);
    }
  };
  walk(dir);
  return out.sort();
}

describe('hosting: a private bucket behind CloudFront, the API on the same origin', () => {
  it('the page bucket blocks all public access, is encrypted, TLS only, logged; only the distribution may read it (OAC)', () => {
    const bucket = s.stack.reviewPage.bucket;
    s.template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: Match.absent(),
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LoggingConfiguration: {
        DestinationBucketName: ref(s.stack.modelBucket.accessLogsBucket),
        LogFilePrefix: 'review-page/',
      },
    });
    expect(s.json.Resources[logicalId(bucket)]!.Properties!.WebsiteConfiguration).toBeUndefined();
    const [, policy] = resourcesOfType('AWS::S3::BucketPolicy').find(
      ([, p]) => JSON.stringify(p.Properties!.Bucket) === JSON.stringify(ref(bucket)),
    )!;
    const statements = policy.Properties!.PolicyDocument.Statement as (Statement & { Principal: unknown })[];
    const allows = statements.filter((st) => st.Effect === 'Allow');
    expect(allows).toEqual([
      {
        Action: 's3:GetObject',
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Resource: { 'Fn::Join': ['', [arnOf(bucket), '/*']] },
        Condition: {
          StringEquals: {
            'AWS:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':cloudfront::',
                  { Ref: 'AWS::AccountId' },
                  ':distribution/',
                  ref(s.stack.reviewPage.distribution),
                ],
              ],
            },
          },
        },
      },
    ]);
    expect(statements.filter((st) => st.Effect === 'Deny').map((st) => st.Condition)).toEqual([
      { Bool: { 'aws:SecureTransport': 'false' } },
      { NumericLessThan: { 's3:TlsVersion': 1.2 } },
    ]);
  });

  it('the distribution reads the bucket through origin access control, HTTPS only, and logs its requests', () => {
    s.template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    s.template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      }),
    });
    const config = distributionConfig();
    const [oac] = resourcesOfType('AWS::CloudFront::OriginAccessControl');
    const s3Origin = config.Origins.find((o) => o.S3OriginConfig)!;
    expect(s3Origin).toMatchObject({
      DomainName: { 'Fn::GetAtt': [logicalId(s.stack.reviewPage.bucket), 'RegionalDomainName'] },
      OriginAccessControlId: { 'Fn::GetAtt': [oac![0], 'Id'] },
      S3OriginConfig: { OriginAccessIdentity: '' },
    });
    expect(config).toMatchObject({
      DefaultRootObject: 'index.html',
      DefaultCacheBehavior: {
        TargetOriginId: s3Origin.Id,
        ViewerProtocolPolicy: 'redirect-to-https',
        AllowedMethods: ['GET', 'HEAD'],
      },
      Logging: {
        Bucket: { 'Fn::GetAtt': [logicalId(s.stack.reviewPage.logsBucket), 'RegionalDomainName'] },
      },
    });
  });

  it('/api/* goes to the HTTP API over HTTPS, every method, never cached, every viewer header but Host passed on', () => {
    const config = distributionConfig();
    expect(config.CacheBehaviors).toHaveLength(1);
    const api = config.CacheBehaviors[0]!;
    expect(api).toMatchObject({
      PathPattern: '/api/*',
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // Managed-CachingDisabled
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac', // Managed-AllViewerExceptHostHeader
    });
    const origin = config.Origins.find((o) => o.Id === api!.TargetOriginId)!;
    expect(origin).toMatchObject({
      CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] },
    });
    expect(withTokens(origin.DomainName)).toBe('<token>.execute-api.<token>.<token>');
    expect(origin.DomainName['Fn::Join'][1][0]).toEqual(ref(s.stack.reviewApi.api));
  });

  it('security headers on every response: the local CSP (plus the sign-in domain), HSTS, nosniff, DENY, no referrer', () => {
    const config = distributionConfig();
    const policyRef = ref(s.stack.reviewPage.headers);
    expect(config.DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual(policyRef);
    expect(config.CacheBehaviors[0]!.ResponseHeadersPolicyId).toEqual(policyRef);
    const policy = s.json.Resources[logicalId(s.stack.reviewPage.headers)]!.Properties!.ResponseHeadersPolicyConfig;
    const security = policy.SecurityHeadersConfig;
    const indexHtml = readFileSync(join(STATIC_ROOT, 'index.html'), 'utf8');
    expect(withTokens(security.ContentSecurityPolicy.ContentSecurityPolicy)).toBe(
      contentSecurityPolicy(indexHtml, ['https://<token>.auth.<token>.amazoncognito.com']),
    );
    expect(withTokens(security.ContentSecurityPolicy.ContentSecurityPolicy)).toContain("frame-ancestors 'none'");
    expect(security).toMatchObject({
      ContentSecurityPolicy: { Override: true },
      StrictTransportSecurity: { AccessControlMaxAgeSec: 31536000, IncludeSubdomains: true, Override: true },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
    });
    expect(policy.CustomHeadersConfig.Items).toEqual([
      { Header: 'Cross-Origin-Opener-Policy', Value: 'same-origin', Override: true },
    ]);
  });
});

describe('deployment: exactly the files served locally, and the config.json of the deployment', () => {
  const deployment = () => resourcesOfType('Custom::CDKBucketDeployment')[0]![1].Properties!;
  const assetDir = (key: string) => join(s.assemblyDir, `asset.${key.replace(/\.zip$/, '')}`);

  it('one deployment into the page bucket: the page files and config.json, every file revalidated (no-cache)', () => {
    const props = deployment();
    expect(props.DestinationBucketName).toEqual(ref(s.stack.reviewPage.bucket));
    expect(props.SourceObjectKeys).toHaveLength(2);
    expect(props.SystemMetadata).toEqual({ 'cache-control': 'no-cache' });
    expect(props.Prune).toBe(true);
    expect(props.DistributionId).toBeUndefined();
  });

  it('the files are webPageFiles(): the page under src/web/static (not its type check) and the five vendor modules', () => {
    const files = filesUnder(assetDir(deployment().SourceObjectKeys[0]));
    expect(files).toEqual([...webPageFiles().keys()].sort());
    expect(files).toEqual(
      expect.arrayContaining([
        '/index.html',
        '/app.js',
        '/lib/session.js',
        '/vendor/preact.mjs',
        '/vendor/preact-hooks.mjs',
        '/vendor/htm.mjs',
        '/vendor/oidc-client-ts.mjs',
        '/vendor/jwt-decode.mjs',
      ]),
    );
    expect(files.filter((f) => f.endsWith('.d.ts') || f.endsWith('/tsconfig.json'))).toEqual([]);
    for (const [path, file] of webPageFiles())
      expect(readFileSync(join(assetDir(deployment().SourceObjectKeys[0]), path))).toEqual(readFileSync(file));
  });

  it('config.json: sign in at the user pool with the page client, endpoints on the managed login domain, Cognito sign-out', () => {
    const props = deployment();
    const markers = props.SourceMarkers[1] as Record<string, unknown>;
    const text = readFileSync(join(assetDir(props.SourceObjectKeys[1]), 'config.json'), 'utf8');
    const config = JSON.parse(text.replace(/<<marker:0xbaba:(\d+)>>/g, (m) => withTokens(markers[m])));
    expect(config).toEqual({
      signIn: {
        authority: 'https://cognito-idp.<token>.amazonaws.com/<token>',
        clientId: '<token>',
        scope: 'openid email profile',
        signOut: 'cognito',
        metadata: {
          issuer: 'https://cognito-idp.<token>.amazonaws.com/<token>',
          authorization_endpoint: 'https://triage-<token>.auth.<token>.amazoncognito.com/oauth2/authorize',
          token_endpoint: 'https://triage-<token>.auth.<token>.amazoncognito.com/oauth2/token',
          revocation_endpoint: 'https://triage-<token>.auth.<token>.amazoncognito.com/oauth2/revoke',
          end_session_endpoint: 'https://triage-<token>.auth.<token>.amazoncognito.com/logout',
          userinfo_endpoint: 'https://triage-<token>.auth.<token>.amazoncognito.com/oauth2/userInfo',
          jwks_uri: 'https://cognito-idp.<token>.amazonaws.com/<token>/.well-known/jwks.json',
        },
      },
    });
    const refs = Object.values(markers).map((m) => JSON.stringify(m));
    expect(refs).toContain(JSON.stringify(ref(s.stack.signIn!.userPool)));
    expect(refs).toContain(JSON.stringify(ref(s.stack.signIn!.client)));
    expect(text).not.toMatch(/secret|password/i);
  });

  it("the deployment provider (aws-cdk-lib's) may read the CDK assets bucket and write only the page bucket; no CloudFront", () => {
    const [, policy] = resourcesOfType('AWS::IAM::Policy').find(([id]) => id.startsWith('CustomCDKBucketDeployment'))!;
    const statements = policy.Properties!.PolicyDocument.Statement as Statement[];
    expect(actionsOf(statements).filter((a) => !a.startsWith('s3:'))).toEqual([]);
    const writes = statements.filter((st) => actionsOf([st]).some((a) => /Put|Delete/.test(a)));
    expect(writes.flatMap(resourcesOf)).toEqual([
      arnOf(s.stack.reviewPage.bucket),
      { 'Fn::Join': ['', [arnOf(s.stack.reviewPage.bucket), '/*']] },
    ]);
  });
});

describe('sign-in: the user pool, its groups, the page client, managed login', () => {
  it('the app client: authorization code only (PKCE by the page), no secret, no implicit flow, the page as callback and sign-out URL', () => {
    s.template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    s.template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      UserPoolId: ref(s.stack.signIn!.userPool),
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: [pageUrl()],
      LogoutURLs: [pageUrl()],
      SupportedIdentityProviders: ['COGNITO'],
      ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      EnableTokenRevocation: true,
      PreventUserExistenceErrors: 'ENABLED',
      IdTokenValidity: 60,
      AccessTokenValidity: 60,
      RefreshTokenValidity: 720,
      TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'minutes' },
    });
  });

  it('the pool and the client keep the logical ids they had under the review API (a deployment made before keeps its users)', () => {
    expect(logicalId(s.stack.signIn!.userPool)).toBe(LEGACY_LOGICAL_IDS.userPool);
    expect(logicalId(s.stack.signIn!.client)).toBe(LEGACY_LOGICAL_IDS.client);
    expect(LEGACY_LOGICAL_IDS).toEqual({
      userPool: 'FeedbackApiReviewersC7B85B5D',
      client: 'FeedbackApiReviewersReviewPage68088C2A',
    });
  });

  it('two groups, reviewers and admins, in the pool; users are created by an admin (no self sign-up) by default', () => {
    const groups = resourcesOfType('AWS::Cognito::UserPoolGroup').map(([, g]) => g.Properties!);
    expect(groups.map((g) => g.GroupName).sort()).toEqual(['admins', 'reviewers']);
    for (const g of groups) expect(g.UserPoolId).toEqual(ref(s.stack.signIn!.userPool));
    s.template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: Match.objectLike({ AllowAdminCreateUserOnly: true }),
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      UsernameAttributes: ['email'],
      DeletionProtection: 'ACTIVE',
    });
    const open = synth({ context: { selfSignUp: 'true' } });
    open.template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: Match.objectLike({ AllowAdminCreateUserOnly: false }),
    });
  });

  it("the invitation email names the page's URL", () => {
    const pool = s.json.Resources[logicalId(s.stack.signIn!.userPool)]!.Properties!;
    const body = pool.AdminCreateUserConfig.InviteMessageTemplate.EmailMessage;
    expect(withTokens(body)).toContain('Open https://<token>/ and sign in with the username {username}');
    expect(JSON.stringify(body)).toContain(logicalId(s.stack.reviewPage.distribution));
  });

  it("managed login (version 2) on a Cognito domain, with Cognito's style for the page client", () => {
    s.template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      UserPoolId: ref(s.stack.signIn!.userPool),
      ManagedLoginVersion: 2,
    });
    s.template.hasResourceProperties('AWS::Cognito::ManagedLoginBranding', {
      UserPoolId: ref(s.stack.signIn!.userPool),
      ClientId: ref(s.stack.signIn!.client),
      UseCognitoProvidedValues: true,
    });
    const custom = synth({ context: { signInDomainPrefix: 'acme-triage' } });
    custom.template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'acme-triage' });
    expect(() => synth({ context: { signInDomainPrefix: 'my-aws-login' } })).toThrow(/signInDomainPrefix/);
    expect(() => synth({ context: { selfSignUp: 'sometimes' } })).toThrow(/selfSignUp/);
  });

  it('every route of the HTTP API needs a token of the pool for the page client (JWT authorizer); the function enforces roles', () => {
    const [[authorizerId]] = resourcesOfType('AWS::ApiGatewayV2::Authorizer') as [[string, unknown]];
    const routes = resourcesOfType('AWS::ApiGatewayV2::Route');
    expect(routes.length).toBeGreaterThan(0);
    for (const [id, route] of routes)
      expect(route.Properties, id).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: { Audience: [ref(s.stack.signIn!.client)], Issuer: Match.anyValue() },
    });
    const fn = s.json.Resources[logicalId(s.stack.reviewApi.handler.function)]!.Properties!;
    expect(fn.Environment.Variables.REVIEW_API_AUTH).toBe('jwt');
  });

  it('outputs: the page URL, the user pool, the client and the sign-in domain', () => {
    const outputs = s.json.Outputs!;
    expect(outputs.ReviewPageUrl!.Value).toEqual(pageUrl());
    expect(outputs.ReviewersUserPoolId!.Value).toEqual(ref(s.stack.signIn!.userPool));
    expect(outputs.ReviewersUserPoolClientId!.Value).toEqual(ref(s.stack.signIn!.client));
    expect(withTokens(outputs.SignInDomainUrl!.Value)).toBe('https://<token>.auth.<token>.amazoncognito.com');
  });

  it('with your own identity provider (feedbackApiJwtIssuer/Audience): no user pool; the page signs in there, its first audience as client', () => {
    const custom = synth({
      context: { feedbackApiJwtIssuer: 'https://login.example.com/tenant', feedbackApiJwtAudience: 'triage-web,other' },
    });
    custom.template.resourceCountIs('AWS::Cognito::UserPool', 0);
    custom.template.resourceCountIs('AWS::CloudFront::Distribution', 1);
    const policy = resourcesOfType('AWS::CloudFront::ResponseHeadersPolicy', custom.json)[0]![1].Properties!;
    expect(
      withTokens(policy.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy),
    ).toContain("connect-src 'self' https://login.example.com;");
    const deployment = resourcesOfType('Custom::CDKBucketDeployment', custom.json)[0]![1].Properties!;
    const text = readFileSync(
      join(custom.assemblyDir, `asset.${deployment.SourceObjectKeys[1].replace(/\.zip$/, '')}`, 'config.json'),
      'utf8',
    );
    expect(JSON.parse(text)).toEqual({
      signIn: {
        authority: 'https://login.example.com/tenant',
        clientId: 'triage-web',
        scope: 'openid email profile',
        signOut: 'oidc',
      },
    });
  });
});
