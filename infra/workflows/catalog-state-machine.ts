import { readFileSync } from 'node:fs';
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { placeholdersOf, projectPath, WORKFLOWS, type WorkflowName } from '../../src/workflows/catalog.ts';
import type { TriageFunction } from '../functions/triage-function.ts';
import { acknowledgeWildcardResource } from '../nag.ts';

export interface CatalogStateMachineProps {
  /** Which workflow of `src/workflows/catalog.ts`. */
  readonly workflow: WorkflowName;

  /**
   * The function behind every `${...FunctionArn}` placeholder of the workflow's
   * ASL file, keyed by placeholder. Must be exactly the catalog's placeholders.
   */
  readonly functions: Readonly<Record<string, TriageFunction>>;

  /** @default sfn.StateMachineType.STANDARD */
  readonly stateMachineType?: sfn.StateMachineType;

  /**
   * CloudWatch Logs level. Execution data (state input/output, which carries
   * ticket text) is never included, whatever the level.
   *
   * @default sfn.LogLevel.ERROR
   */
  readonly logLevel?: sfn.LogLevel;

  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;

  /**
   * X-Ray tracing of executions.
   *
   * @default true
   */
  readonly tracingEnabled?: boolean;

  /**
   * The ASL file to deploy. Only tests point it elsewhere.
   *
   * @default - the workflow's file in the catalog (`workflows/<name>.asl.json`)
   */
  readonly definitionFile?: string;
}

/**
 * A Step Functions state machine deployed from the workflow's ASL file in
 * `workflows/`, byte for byte (`DefinitionBody.fromString` of the file's
 * contents; no asset, no rewriting), with the Lambda ARNs filled in by
 * `definitionSubstitutions` under exactly the placeholder names the file uses.
 * The local runtime executes the same file with the same names.
 *
 * The construct refuses to synthesize when the file's placeholders, the
 * catalog's entries and the functions given differ.
 *
 * Its role may invoke exactly the functions of the workflow (unqualified ARNs,
 * as the definition names them), and write its logs and X-Ray traces.
 */
export class CatalogStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  /** The definition as deployed (the file's contents). */
  readonly definition: string;
  readonly definitionFile: string;

  constructor(scope: Construct, id: string, props: CatalogStateMachineProps) {
    super(scope, id);
    const entry = WORKFLOWS[props.workflow];
    this.definitionFile = props.definitionFile ?? projectPath(entry.file);
    this.definition = readFileSync(this.definitionFile, 'utf8');

    const inFile = placeholdersOf(this.definition);
    const inCatalog = Object.keys(entry.functions).sort();
    const given = Object.keys(props.functions).sort();
    if (inFile.join() !== inCatalog.join() || given.join() !== inCatalog.join()) {
      throw new Error(
        `${props.workflow}: placeholders differ: file ${this.definitionFile} has [${inFile.join(', ')}], the catalog names [${inCatalog.join(', ')}], functions given for [${given.join(', ')}]`,
      );
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      // The /aws/vendedlogs/ prefix keeps the CloudWatch Logs resource policy small.
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-${props.workflow}`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: entry.description,
      stateMachineType: props.stateMachineType ?? sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(this.definition),
      definitionSubstitutions: Object.fromEntries(
        Object.entries(props.functions).map(([placeholder, fn]) => [placeholder, fn.function.functionArn]),
      ),
      logs: { destination: this.logGroup, level: props.logLevel ?? sfn.LogLevel.ERROR, includeExecutionData: false },
      tracingEnabled: props.tracingEnabled ?? true,
    });

    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'InvokeWorkflowSteps',
        actions: ['lambda:InvokeFunction'],
        resources: Object.values(props.functions).map((fn) => fn.function.functionArn),
      }),
    );
    acknowledgeWildcardResource(
      this.stateMachine.role,
      '*',
      'Only the actions that support no resource-level permissions are on "*": CloudWatch Logs vended-log delivery (logs:CreateLogDelivery and friends, required for state machine logging) and X-Ray trace submission (xray:PutTraceSegments and friends).',
    );
  }
}

/**
 * `arn:...:execution:<state machine name>:*`: the executions of one state
 * machine (what DescribeExecution and GetExecutionHistory are allowed on).
 */
export function executionsArn(stateMachine: sfn.StateMachine): string {
  return Stack.of(stateMachine).formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: `${stateMachine.stateMachineName}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
