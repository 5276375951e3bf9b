/**
 * Loading and checking ASL definitions: `${Key}` placeholder substitution with
 * the same keys as CDK `definitionSubstitutions`, the JSONPath-only guard, and
 * a walk over every state (including Parallel branches and Map processors).
 */
import { readFile } from 'node:fs/promises';

/** A state as found in a definition (only the fields this module reads are typed). */
export interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly TimeoutSeconds?: number;
  readonly Branches?: readonly AslStateMachine[];
  readonly Iterator?: AslStateMachine;
  readonly ItemProcessor?: AslStateMachine;
  readonly [field: string]: unknown;
}

export interface AslStateMachine {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
  readonly [field: string]: unknown;
}

const PLACEHOLDER = /\$\{([^}]+)\}/g;

/**
 * Replaces every `${Key}` in the definition text with `substitutions[Key]`
 * (as CDK `definitionSubstitutions` and CloudFormation's
 * `DefinitionSubstitutions` do). Throws when a placeholder has no value.
 */
export function substitutePlaceholders(text: string, substitutions: Readonly<Record<string, string>>): string {
  const missing = new Set<string>();
  const out = text.replace(PLACEHOLDER, (whole, key: string) => {
    const value = substitutions[key];
    if (value === undefined) {
      missing.add(key);
      return whole;
    }
    return value;
  });
  if (missing.size > 0) throw new Error(`definition placeholders without a substitution: ${[...missing].join(', ')}`);
  return out;
}

/** The `${Key}` placeholders a definition text uses (to compare with CDK's keys). */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string))].sort();
}

/** Reads an ASL file and fills its placeholders; returns the final definition text. */
export async function loadDefinitionText(
  file: string,
  substitutions: Readonly<Record<string, string>> = {},
): Promise<string> {
  return substitutePlaceholders(await readFile(file, 'utf8'), substitutions);
}

/** Calls `visit` for every state, depth-first, with its path (e.g. `States.Fan.Branches[0].States.A`). */
export function forEachState(
  machine: AslStateMachine,
  visit: (name: string, state: AslState, path: string) => void,
  prefix = '',
): void {
  for (const [name, state] of Object.entries(machine.States ?? {})) {
    const path = `${prefix}States.${name}`;
    visit(name, state, path);
    state.Branches?.forEach((branch, i) => {
      forEachState(branch, visit, `${path}.Branches[${i}].`);
    });
    if (state.Iterator) forEachState(state.Iterator, visit, `${path}.Iterator.`);
    if (state.ItemProcessor) forEachState(state.ItemProcessor, visit, `${path}.ItemProcessor.`);
  }
}

/** Fields that only exist in JSONata mode or for variables; the interpreter ignores them silently. */
const UNSUPPORTED_STATE_FIELDS = ['Assign', 'Arguments', 'Output'] as const;

/**
 * Throws when a definition uses what the local interpreter silently ignores:
 * `QueryLanguage: "JSONata"` (anywhere), `Assign` (variables, in states,
 * Choice rules or Catchers), or the JSONata-only `Arguments`/`Output` fields.
 * Such a workflow would behave differently locally and on AWS.
 */
export function assertJsonPathOnly(definition: unknown): void {
  const problems: string[] = [];
  const machine = definition as AslStateMachine;
  if (typeof machine !== 'object' || machine === null || typeof machine.States !== 'object') {
    throw new Error('not a state machine definition (no States)');
  }
  const checkLanguage = (where: string, value: unknown): void => {
    if (value !== undefined && value !== 'JSONPath') problems.push(`${where}.QueryLanguage = ${JSON.stringify(value)}`);
  };
  const checkMachine = (m: AslStateMachine, prefix: string): void => {
    checkLanguage(prefix || '(top level)', m.QueryLanguage);
  };
  checkMachine(machine, '');
  forEachState(machine, (_name, state, path) => {
    checkLanguage(path, state.QueryLanguage);
    for (const field of UNSUPPORTED_STATE_FIELDS) {
      if (field in state) problems.push(`${path}.${field}`);
    }
    const lists = [
      ['Choices', state.Choices],
      ['Catch', state.Catch],
    ] as const;
    for (const [listName, list] of lists) {
      if (!Array.isArray(list)) continue;
      list.forEach((entry: unknown, i: number) => {
        if (entry && typeof entry === 'object') {
          for (const field of ['Assign', 'Output', 'Condition'] as const) {
            if (field in entry) problems.push(`${path}.${listName}[${i}].${field}`);
          }
        }
      });
    }
    state.Branches?.forEach((b, i) => {
      checkMachine(b, `${path}.Branches[${i}]`);
    });
    if (state.Iterator) checkMachine(state.Iterator, `${path}.Iterator`);
    if (state.ItemProcessor) checkMachine(state.ItemProcessor, `${path}.ItemProcessor`);
  });
  if (problems.length > 0) {
    throw new Error(
      `the local runtime runs JSONPath definitions only (JSONata and variables are silently ignored by its interpreter); found: ${problems.join(', ')}`,
    );
  }
}
