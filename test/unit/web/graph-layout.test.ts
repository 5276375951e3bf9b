import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  END,
  START,
  describeRule,
  layoutGraph,
  workflowGraph,
  type Layout,
} from '../../../src/web/static/lib/graph-layout.js';
import { WORKFLOWS, projectPath, type WorkflowName } from '../../../src/workflows/catalog.ts';

/** The run graph of the web page: the ASL definition as nodes and edges, laid out top-down. */
const definition = (name: WorkflowName) => JSON.parse(readFileSync(projectPath(WORKFLOWS[name].file), 'utf8'));

function overlaps(layout: Layout): string[] {
  const found: string[] = [];
  for (const [i, a] of layout.nodes.entries()) {
    for (const b of layout.nodes.slice(i + 1)) {
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) found.push(`${a.id} / ${b.id}`);
    }
  }
  return found;
}

describe('workflowGraph', () => {
  it('classify-ticket: every state, Next and Catch edges, End from the terminal states', () => {
    const graph = workflowGraph(definition('classify-ticket'), WORKFLOWS['classify-ticket'].functions);
    const states = Object.keys(definition('classify-ticket').States);
    expect(graph.nodes.map((n) => n.id)).toEqual([START, ...states, END]);
    expect(graph.nodes.find((n) => n.id === 'Preprocess')!.sub).toBe('λ preprocess-ticket');
    const catches = graph.edges.filter((e) => e.kind === 'catch');
    expect(catches.map((e) => e.from)).toEqual([
      'PinModelVersion',
      'Preprocess',
      'Vectorize',
      'Predict',
      'PublishResult',
    ]);
    expect(new Set(catches.map((e) => e.to))).toEqual(new Set(['RecordFailure']));
    expect(catches[0]!.title).toBe('catch States.DataLimitExceeded, States.ALL');
    expect(
      graph.edges
        .filter((e) => e.to === END)
        .map((e) => e.from)
        .sort(),
    ).toEqual(['ClassificationFailed', 'PublishResult']);
    expect(graph.edges.find((e) => e.from === START)!.to).toBe('PinModelVersion');
  });

  it('retrain-model: Choice rules and Default as labelled edges', () => {
    const graph = workflowGraph(definition('retrain-model'));
    const choice = graph.edges.filter((e) => e.from === 'EnoughNewFeedback');
    expect(choice.map((e) => [e.to, e.kind, e.label])).toEqual([
      ['Retrain', 'choice', 'feedback.enough = true'],
      ['NotEnoughFeedback', 'default', 'default'],
    ]);
    const gate = graph.edges.find((e) => e.from === 'GateHolds' && e.kind === 'choice')!;
    expect(gate.title).toBe(
      'candidate.accuracy ≥ required.accuracy and candidate.macroF1 ≥ required.macroF1 and candidate.coverageAtTarget ≥ required.coverageAtTarget',
    );
  });

  it('describes rules in a few words', () => {
    expect(describeRule({ Variable: '$.a.b.c', NumericLessThan: 3 })).toBe('b.c < 3');
    expect(describeRule({ Not: { Variable: '$.x', IsPresent: true } })).toBe('not (x present)');
    expect(
      describeRule({
        Or: [
          { Variable: '$.s', StringEquals: 'a' },
          { Variable: '$.s', StringMatches: 'b*' },
        ],
      }),
    ).toBe('s = "a" or s ~ "b*"');
  });
});

describe('layoutGraph', () => {
  for (const name of Object.keys(WORKFLOWS) as WorkflowName[]) {
    it(`${name}: layered top-down, no overlapping states, every edge from the bottom of one state to the top of the next`, () => {
      const layout = layoutGraph(workflowGraph(definition(name), WORKFLOWS[name].functions));
      expect(overlaps(layout)).toEqual([]);
      const byId = new Map(layout.nodes.map((n) => [n.id, n]));
      expect(byId.get(START)!.layer).toBe(0);
      expect(byId.get(END)!.layer).toBe(Math.max(...layout.nodes.map((n) => n.layer)));
      for (const edge of layout.edges) {
        const from = byId.get(edge.from)!;
        const to = byId.get(edge.to)!;
        expect(edge.back).toBe(false);
        expect(to.layer).toBeGreaterThan(from.layer);
        expect(edge.points[0]!.y).toBeCloseTo(from.y + from.h);
        expect(edge.points.at(-1)!.y).toBeCloseTo(to.y);
        expect(edge.points[0]!.x).toBeGreaterThanOrEqual(from.x);
        expect(edge.points[0]!.x).toBeLessThanOrEqual(from.x + from.w);
        // Long edges pass beside the states of the layers they cross, never through one.
        for (const p of edge.points.slice(1, -1)) {
          const inside = layout.nodes.filter(
            (n) => p.x > n.x + 1 && p.x < n.x + n.w - 1 && p.y > n.y + 1 && p.y < n.y + n.h - 1,
          );
          expect(inside.map((n) => n.id)).toEqual([]);
        }
        expect(edge.path).toMatch(/^M[\d.]+,[\d.]+( [LC][\d., ]+)+$/);
      }
      expect(layout.width).toBeLessThan(800);
    });
  }

  it('classify-ticket: the main path is one straight column, the Catch edges beside it', () => {
    const layout = layoutGraph(workflowGraph(definition('classify-ticket')));
    const centres = ['PinModelVersion', 'Preprocess', 'Vectorize', 'Predict', 'PublishResult'].map((id) => {
      const n = layout.nodes.find((m) => m.id === id)!;
      return n.x + n.w / 2;
    });
    expect(Math.max(...centres) - Math.min(...centres)).toBeLessThan(4);
    expect(layout.crossings).toBe(0);
  });

  it('a loop (Wait -> Check -> back to Wait) is drawn with its back edge', () => {
    const layout = layoutGraph(
      workflowGraph({
        StartAt: 'Wait',
        States: {
          Wait: { Type: 'Wait', Seconds: 5, Next: 'Check' },
          Check: {
            Type: 'Choice',
            Choices: [{ Variable: '$.done', BooleanEquals: true, Next: 'Done' }],
            Default: 'Wait',
          },
          Done: { Type: 'Succeed' },
        },
      }),
    );
    const back = layout.edges.find((e) => e.from === 'Check' && e.to === 'Wait')!;
    expect(back.back).toBe(true);
    expect(back.points.at(-1)!.y).toBeLessThan(back.points[0]!.y);
    expect(overlaps(layout)).toEqual([]);
  });
});
