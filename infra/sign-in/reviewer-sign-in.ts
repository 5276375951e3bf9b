import { Duration, Fn, Lazy, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { ROLES, type Role } from '../../src/api/roles.ts';
import type { WebSignInConfig } from '../../src/web/page-config.ts';

export interface ReviewerSignInProps {
  /**
   * Let people create their own account on the sign-in page. They can do
   * nothing until an admin adds them to a group (the API refuses callers
   * without a role).
   *
   * @default false - users are created by an admin (`aws cognito-idp admin-create-user`)
   */
  readonly selfSignUp?: boolean;

  /**
   * The prefix of the managed login domain, `https://<prefix>.auth.<region>.amazoncognito.com`
   * (unique in the region; lowercase letters, digits, hyphens).
   *
   * @default - `triage-` and the first 8 hex digits of the stack's id (unique per stack, stable for its life)
   */
  readonly domainPrefix?: string;
}

/**
 * The logical ids the user pool and the page's client had when the review
 * API's construct (id `FeedbackApi`) made them: kept, so that a deployment
 * made before keeps its pool, its users and its client id (CloudFormation
 * updates them in place instead of replacing them).
 */
export const LEGACY_LOGICAL_IDS = {
  userPool: 'FeedbackApiReviewersC7B85B5D',
  client: 'FeedbackApiReviewersReviewPage68088C2A',
} as const;

/** What each group may do, for its description (src/api/roles.ts enforces it). */
const GROUP_DESCRIPTIONS: Record<Role, string> = {
  reviewers: 'Review page: read predictions and runs, give and undo feedback',
  admins: 'Review page: everything reviewers may, and start a retraining',
};

/**
 * Sign-in for the review page: the Cognito user pool whose tokens the review
 * API accepts, its groups (`reviewers`, `admins`), the managed login pages on
 * a Cognito domain, and the page's app client (authorization code with PKCE,
 * no client secret, no implicit flow; callback and sign-out URLs of the page,
 * given once the page's distribution exists: {@link usePageUrl}).
 *
 * The pool: invited users only by default, MFA required (authenticator app),
 * passwords of 12+ characters of four kinds, email recovery; retained (and
 * deletion-protected) when the stack is deleted.
 */
export class ReviewerSignIn extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly domain: cognito.UserPoolDomain;
  readonly groups: Record<Role, cognito.UserPoolGroup>;
  /** The issuer of the pool's tokens (what API Gateway's JWT authorizer checks). */
  readonly issuer: string;
  /** `https://<prefix>.auth.<region>.amazoncognito.com`: the managed login pages and the token endpoint. */
  readonly domainUrl: string;
  private readonly pageUrls: string[] = [];

  constructor(scope: Construct, id: string, props: ReviewerSignInProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const pageUrl = Lazy.string({ produce: () => this.pageUrls[0] ?? 'the review page (the PageUrl output)' });

    this.userPool = new cognito.UserPool(this, 'Reviewers', {
      selfSignUpEnabled: props.selfSignUp ?? false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      userInvitation: {
        emailSubject: 'You are invited to review tickets with ticket-triage',
        emailBody: `Open ${pageUrl} and sign in with the username {username} and the temporary password {####}. You will choose a new password and set up an authenticator app.`,
      },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    (this.userPool.node.defaultChild as cognito.CfnUserPool).overrideLogicalId(LEGACY_LOGICAL_IDS.userPool);
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'The reviewers are a small, invited group (no self sign-up by default) with MFA required; the Plus feature plan (threat protection) is billed per monthly active user and is left to deployments that want it.',
    });

    this.groups = Object.fromEntries(
      ROLES.map((role, i) => [
        role,
        this.userPool.addGroup(role === 'admins' ? 'Admins' : 'Reviewers', {
          groupName: role,
          description: GROUP_DESCRIPTIONS[role],
          precedence: ROLES.length - i,
        }),
      ]),
    ) as Record<Role, cognito.UserPoolGroup>;

    const urls = Lazy.list({ produce: () => this.pageUrls });
    this.client = this.userPool.addClient('ReviewPage', {
      generateSecret: false,
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: urls,
        logoutUrls: urls,
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });
    (this.client.node.defaultChild as cognito.CfnUserPoolClient).overrideLogicalId(LEGACY_LOGICAL_IDS.client);
    // Sign-in happens on the managed login pages only: no API sign-in flow (SRP, password, custom) for this client.
    (this.client.node.defaultChild as cognito.CfnUserPoolClient).explicitAuthFlows = ['ALLOW_REFRESH_TOKEN_AUTH'];

    const domainPrefix =
      props.domainPrefix ??
      Fn.join('-', ['triage', Fn.select(0, Fn.split('-', Fn.select(2, Fn.split('/', stack.stackId))))]);
    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    // Managed login (v2) shows a client's pages only once it has a style: Cognito's own.
    new cognito.CfnManagedLoginBranding(this, 'Branding', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      useCognitoProvidedValues: true,
    });

    this.issuer = `https://cognito-idp.${stack.region}.amazonaws.com/${this.userPool.userPoolId}`;
    // The same URL as this.domain.baseUrl(), made from the prefix rather than the domain resource: the page's
    // security headers name it, and the invitation email names the page, so a reference would be a cycle.
    this.domainUrl = `https://${domainPrefix}.auth.${stack.region}.amazoncognito.com`;
  }

  /** Adds a page URL (`https://<host>/`) to the client's callback and sign-out URLs. */
  usePageUrl(url: string): void {
    this.pageUrls.push(url);
  }

  /** What the page's `config.json` says about signing in (endpoints given: no discovery request). */
  pageConfig(): WebSignInConfig {
    return {
      authority: this.issuer,
      clientId: this.client.userPoolClientId,
      scope: 'openid email profile',
      signOut: 'cognito',
      metadata: {
        issuer: this.issuer,
        authorization_endpoint: `${this.domainUrl}/oauth2/authorize`,
        token_endpoint: `${this.domainUrl}/oauth2/token`,
        revocation_endpoint: `${this.domainUrl}/oauth2/revoke`,
        end_session_endpoint: `${this.domainUrl}/logout`,
        userinfo_endpoint: `${this.domainUrl}/oauth2/userInfo`,
        jwks_uri: `${this.issuer}/.well-known/jwks.json`,
      },
    };
  }
}
