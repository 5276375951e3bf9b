import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
// cdk-nag's own flattening of CloudFormation references (`<LogicalId.Arn>/models/*`),
// so an acknowledgment names exactly the finding cdk-nag reports.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';

/**
 * Acknowledges one `AwsSolutions-IAM5` finding: a wildcard in ONE resource of
 * ONE principal's policy (e.g. the object ARNs under `models/` of the bucket),
 * never the rule as a whole.
 *
 * @param principal the role (or its policy) whose statement holds the resource
 * @param resource the resource exactly as it is in the statement (tokens allowed)
 * @param reason why the wildcard is the narrowest possible grant
 */
export function acknowledgeWildcardResource(principal: IConstruct, resource: string, reason: string): void {
  const flat = flattenCfnReference(Stack.of(principal).resolve(resource));
  Validations.of(principal).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
}
