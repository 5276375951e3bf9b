import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assertJsonPathOnly, substitutePlaceholders } from '../../src/local/stepfunctions/definition.ts';
import { FunctionRegistry } from '../../src/local/lambda/function-registry.ts';
import { StepFunctionsService } from '../../src/local/stepfunctions/service.ts';
import { fixture } from './helpers.ts';

const pass = { Type: 'Pass', End: true };

describe('assertJsonPathOnly (the interpreter silently ignores JSONata and variables)', () => {
  it('accepts a JSONPath definition', () => {
    expect(() => assertJsonPathOnly(JSON.parse(readFileSync(fixture('three-steps.asl.json'), 'utf8')))).not.toThrow();
    expect(() => assertJsonPathOnly({ QueryLanguage: 'JSONPath', StartAt: 'A', States: { A: pass } })).not.toThrow();
  });

  it.each([
    [
      'top-level QueryLanguage JSONata',
      { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: pass } },
      /\(top level\)\.QueryLanguage/,
    ],
    [
      'state-level QueryLanguage JSONata',
      { StartAt: 'A', States: { A: { ...pass, QueryLanguage: 'JSONata' } } },
      /States\.A\.QueryLanguage/,
    ],
    ['Assign in a state', { StartAt: 'A', States: { A: { ...pass, Assign: { x: 1 } } } }, /States\.A\.Assign/],
    [
      'JSONata Output/Arguments',
      {
        StartAt: 'A',
        States: {
          A: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Arguments: {},
            Output: '{% $states.result %}',
            End: true,
          },
        },
      },
      /States\.A\.Arguments, States\.A\.Output/,
    ],
    [
      'Assign in a Choice rule',
      {
        StartAt: 'C',
        States: {
          C: {
            Type: 'Choice',
            Choices: [{ Variable: '$.x', IsPresent: true, Next: 'A', Assign: { y: 1 } }],
            Default: 'A',
          },
          A: pass,
        },
      },
      /States\.C\.Choices\[0\]\.Assign/,
    ],
    [
      'Assign in a Catcher',
      {
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: 'arn:aws:lambda:us-east-1:000000000000:function:f',
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'A', Assign: { e: 1 } }],
            End: true,
          },
          A: pass,
        },
      },
      /States\.T\.Catch\[0\]\.Assign/,
    ],
    [
      'Assign inside a Parallel branch',
      {
        StartAt: 'P',
        States: {
          P: {
            Type: 'Parallel',
            End: true,
            Branches: [{ StartAt: 'B', States: { B: { ...pass, Assign: { z: 1 } } } }],
          },
        },
      },
      /States\.P\.Branches\[0\]\.States\.B\.Assign/,
    ],
    [
      'JSONata inside a Map processor',
      {
        StartAt: 'M',
        States: {
          M: { Type: 'Map', End: true, ItemProcessor: { QueryLanguage: 'JSONata', StartAt: 'I', States: { I: pass } } },
        },
      },
      /States\.M\.ItemProcessor\.QueryLanguage/,
    ],
  ])('rejects %s', (_label, definition, message) => {
    expect(() => assertJsonPathOnly(definition)).toThrow(message);
  });

  it('is applied when a state machine is registered', async () => {
    const service = await StepFunctionsService.create({
      region: 'us-east-1',
      accountId: '000000000000',
      functions: new FunctionRegistry('us-east-1', '000000000000'),
    });
    await expect(
      service.registerStateMachine({
        name: 'jsonata',
        definition: JSON.stringify({ QueryLanguage: 'JSONata', StartAt: 'A', States: { A: pass } }),
      }),
    ).rejects.toThrow(/JSONPath definitions only/);
  });
});

describe('definition placeholders (CDK definitionSubstitutions keys)', () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: ASL placeholders are written ${Key}, as CDK's definitionSubstitutions read them.
  it('fills every ${Key} and refuses a missing one', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an ASL text with placeholders, not a template.
    const definition = '{"R":"${A}","S":"${B}"}';
    expect(substitutePlaceholders(definition, { A: 'x', B: 'y' })).toBe('{"R":"x","S":"y"}');
    expect(() => substitutePlaceholders(definition, { A: 'x' })).toThrow(/B/);
  });
});
