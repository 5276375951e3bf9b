import classifyTicket from '../../workflows/classify-ticket.asl.json' with { type: 'json' };
import retrainModel from '../../workflows/retrain-model.asl.json' with { type: 'json' };
import { WORKFLOWS, type WorkflowName } from './catalog.ts';

/**
 * The ASL definitions as data, for the web page's run graphs. Imported (not
 * read from disk) so a Lambda bundle carries them; they are the same files
 * CDK deploys (byte-identical, a tested invariant), with the `${...}`
 * placeholders left in and `functions` naming the Lambda behind each.
 */
const DEFINITIONS: Record<WorkflowName, unknown> = {
  'classify-ticket': classifyTicket,
  'retrain-model': retrainModel,
};

export interface WorkflowDefinition {
  readonly name: WorkflowName;
  readonly description: string;
  readonly definition: unknown;
  /** Placeholder (e.g. `PreprocessFunctionArn`) -> function name. */
  readonly functions: Readonly<Record<string, string>>;
}

export function workflowDefinition(name: WorkflowName): WorkflowDefinition {
  const workflow = WORKFLOWS[name];
  return { name, description: workflow.description, definition: DEFINITIONS[name], functions: workflow.functions };
}
