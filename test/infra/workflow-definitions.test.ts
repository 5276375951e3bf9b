import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { TriageFunction } from '../../infra/functions/triage-function.ts';
import { CatalogStateMachine } from '../../infra/workflows/catalog-state-machine.ts';
import { placeholdersOf, projectPath, WORKFLOWS } from '../../src/workflows/catalog.ts';
import { logicalId, synth, type Synthesized } from './support.ts';

let s: Synthesized;
beforeAll(() => {
  s = synth();
});

/** What each state machine of the synthesized template deploys, and the file it must equal. */
function deployed() {
  return [
    { workflow: 'classify-ticket' as const, machine: s.stack.classification.workflow },
    { workflow: 'retrain-model' as const, machine: s.stack.retrain.workflow },
  ].map(({ workflow, machine }) => ({
    workflow,
    file: machine.definitionFile,
    properties: s.json.Resources[logicalId(machine.stateMachine)]!.Properties!,
  }));
}

describe('the deployed definitions are the files in workflows/', () => {
  it('classify-ticket deploys workflows/classify-ticket.asl.json itself', () => {
    expect(deployed()[0]!.file).toBe(projectPath(WORKFLOWS['classify-ticket'].file));
  });

  it('retrain-model deploys workflows/retrain-model.asl.json itself', () => {
    expect(deployed()[1]!.file).toBe(projectPath(WORKFLOWS['retrain-model'].file));
  });

  for (const index of [0, 1]) {
    it(`DefinitionString is byte-identical to the file (${index === 0 ? 'classify-ticket' : 'retrain-model'})`, () => {
      const { file, properties } = deployed()[index]!;
      expect(typeof properties.DefinitionString).toBe('string');
      expect(Buffer.from(properties.DefinitionString as string, 'utf8').equals(readFileSync(file))).toBe(true);
    });

    it(`the file's placeholders are exactly the DefinitionSubstitutions keys, and the catalog's (${index === 0 ? 'classify-ticket' : 'retrain-model'})`, () => {
      const { workflow, file, properties } = deployed()[index]!;
      const placeholders = placeholdersOf(readFileSync(file, 'utf8'));
      expect(placeholders.length).toBeGreaterThan(0);
      expect(Object.keys(properties.DefinitionSubstitutions).sort()).toEqual(placeholders);
      expect(Object.keys(WORKFLOWS[workflow].functions).sort()).toEqual(placeholders);
    });

    it(`each placeholder is the ARN of the function of its catalog handler (${index === 0 ? 'classify-ticket' : 'retrain-model'})`, () => {
      const { workflow, properties } = deployed()[index]!;
      const steps = workflow === 'classify-ticket' ? s.stack.classification.steps : s.stack.retrain.steps;
      for (const [placeholder, handler] of Object.entries(WORKFLOWS[workflow].functions)) {
        expect(properties.DefinitionSubstitutions[placeholder], placeholder).toEqual({
          'Fn::GetAtt': [logicalId(steps[handler]!.function), 'Arn'],
        });
      }
    });
  }

  it('synthesis refuses a definition whose placeholders differ from the catalog', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Drift');
    const functions = Object.fromEntries(
      Object.entries(WORKFLOWS['classify-ticket'].functions).map(([placeholder, handler]) => [
        placeholder,
        new TriageFunction(stack, placeholder, { handler, description: handler }),
      ]),
    );
    const { PublishResultFunctionArn: _dropped, ...missingOne } = functions;
    expect(
      () => new CatalogStateMachine(stack, 'MissingFunction', { workflow: 'classify-ticket', functions: missingOne }),
    ).toThrow(/placeholders differ/);
    expect(
      () =>
        new CatalogStateMachine(stack, 'OtherFile', {
          workflow: 'classify-ticket',
          functions,
          definitionFile: projectPath(WORKFLOWS['retrain-model'].file),
        }),
    ).toThrow(/placeholders differ/);
  });
});
