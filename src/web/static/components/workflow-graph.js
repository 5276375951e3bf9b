/**
 * A workflow drawn from its ASL definition as SVG, each state coloured by
 * what happened to it in one run: succeeded, retried, failed (or caught),
 * running, or not reached; the transitions the run took drawn solid.
 */
/**
 * @import { TargetedKeyboardEvent } from 'preact'
 * @import { RunStep } from '../lib/api-types.js'
 * @import { AslDefinition, GraphNode, Layout, LayoutOptions } from '../lib/graph-layout.js'
 */
import { useMemo } from 'preact/hooks';
import { html } from '../lib/html.js';
import { END, START, layoutGraph, workflowGraph } from '../lib/graph-layout.js';

/** @typedef {'succeeded' | 'retried' | 'caught' | 'failed' | 'running' | 'unreached'} StateStatus */
/** @typedef {{ status: StateStatus, visits: number, retries: number }} StateVisits */

/** @type {Record<StateStatus, { label: string, icon: string }>} */
export const STATE_STATUS = {
  succeeded: { label: 'succeeded', icon: '✓' },
  retried: { label: 'succeeded after retries', icon: '↻' },
  caught: { label: 'failed, caught', icon: '✕' },
  failed: { label: 'failed', icon: '✕' },
  running: { label: 'running', icon: '●' },
  unreached: { label: 'not reached', icon: '' },
};

/** @type {Record<StateStatus, number>} */
const RANK = { unreached: 0, succeeded: 1, retried: 2, running: 3, caught: 4, failed: 5 };

/**
 * What happened to each state in a run (the worst of its visits), from the run's steps.
 * @param {RunStep[]} [steps]
 * @returns {Map<string, StateVisits>}
 */
export function stateStatuses(steps = []) {
  /** @type {Map<string, StateVisits>} */
  const out = new Map();
  for (const step of steps) {
    /** @type {StateStatus} */
    const status = step.outcome === 'succeeded' && step.retries > 0 ? 'retried' : step.outcome;
    const previous = out.get(step.name);
    const entry = previous ?? { status, visits: 0, retries: 0 };
    entry.visits += 1;
    entry.retries += step.retries ?? 0;
    if (RANK[status] > RANK[entry.status]) entry.status = status;
    out.set(step.name, entry);
  }
  return out;
}

/**
 * The transitions a run took: Start -> first, each step -> the next, the last -> End when the run ended there.
 * @param {Layout} layout
 * @param {RunStep[]} steps
 * @param {string | undefined} runStatus
 * @returns {Set<string>} the ids of the edges
 */
export function takenEdges(layout, steps = [], runStatus) {
  /** @type {Set<string>} */
  const taken = new Set();
  /** @type {(from: string, to: string, preferCatch?: boolean) => Layout['edges'][number] | undefined} */
  const find = (from, to, preferCatch) => {
    const candidates = layout.edges.filter((e) => e.from === from && e.to === to);
    return (preferCatch ? candidates.find((e) => e.kind === 'catch') : undefined) ?? candidates[0];
  };
  if (steps.length) {
    const first = find(START, steps[0].name);
    if (first) taken.add(first.id);
  }
  for (let i = 0; i + 1 < steps.length; i++) {
    const edge = find(steps[i].name, steps[i + 1].name, steps[i].outcome === 'caught');
    if (edge) taken.add(edge.id);
  }
  const last = steps.at(-1);
  if (last && runStatus !== 'RUNNING' && (last.outcome === 'succeeded' || last.type === 'Fail')) {
    const end = find(last.name, END);
    if (end) taken.add(end.id);
  }
  return taken;
}

/**
 * @param {GraphNode} node
 * @param {Map<string, StateVisits>} statuses
 * @param {RunStep[]} steps
 * @param {string | undefined} runStatus
 * @returns {StateStatus}
 */
function nodeStatus(node, statuses, steps, runStatus) {
  if (node.id === START) return steps.length ? 'succeeded' : 'unreached';
  if (node.id === END)
    return runStatus && runStatus !== 'RUNNING' ? (runStatus === 'SUCCEEDED' ? 'succeeded' : 'failed') : 'unreached';
  return statuses.get(node.id)?.status ?? 'unreached';
}

/** @type {CanvasRenderingContext2D | null | undefined} */
let canvas;
/**
 * Text widths as the browser will draw them (the fonts of .node-label and .node-sub).
 * @type {NonNullable<LayoutOptions['measure']>}
 */
function measureText(text, kind) {
  canvas ??= /** @type {CanvasRenderingContext2D} */ (document.createElement('canvas').getContext('2d'));
  const family = getComputedStyle(document.documentElement).fontFamily || 'sans-serif';
  canvas.font = kind === 'label' ? `600 13px ${family}` : `11px ${family}`;
  return canvas.measureText(text).width;
}

/**
 * @param {{
 *   definition: AslDefinition,
 *   functions?: Record<string, string>,
 *   steps: RunStep[],
 *   runStatus: string | undefined,
 *   onSelect?: (state: string) => void,
 *   name?: string,
 * }} props `steps`: the run's history; `onSelect` is told the state a person picks
 */
export function WorkflowGraph({ definition, functions, steps, runStatus, onSelect, name }) {
  const layout = useMemo(
    () => layoutGraph(workflowGraph(definition, functions), { measure: measureText }),
    [definition, functions],
  );
  const statuses = useMemo(() => stateStatuses(steps), [steps]);
  const taken = useMemo(() => takenEdges(layout, steps, runStatus), [layout, steps, runStatus]);
  const summary = layout.nodes
    .filter((n) => n.kind === 'state')
    .map((n) => `${n.label}: ${STATE_STATUS[nodeStatus(n, statuses, steps, runStatus)].label}`)
    .join('; ');

  return html`<figure class="graph">
    <div class="graph-scroll">
      <svg
        class="graph-svg"
        viewBox=${`0 0 ${layout.width} ${layout.height}`}
        width=${layout.width}
        height=${layout.height}
        role="group"
        aria-label=${`The ${name ?? ''} workflow, state by state: ${summary}`}
      >
        <defs>
          ${['plain', 'taken', 'catch', 'catch-taken'].map(
            (
              kind,
            ) => html`<marker key=${kind} id=${`arrow-${kind}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" class=${`arrowhead arrowhead-${kind}`} />
          </marker>`,
          )}
        </defs>
        <g class="edges">
          ${layout.edges.map((e) => {
            const isTaken = taken.has(e.id);
            const marker = `${e.kind === 'catch' ? 'catch' : 'plain'}${isTaken ? '-taken' : ''}`.replace(
              'plain-taken',
              'taken',
            );
            return html`<g key=${e.id} class=${`edge edge-${e.kind}${isTaken ? ' taken' : ''}`} data-from=${e.from} data-to=${e.to}>
              <path d=${e.path} marker-end=${`url(#arrow-${marker})`}><title>${e.title || e.kind}${isTaken ? ' (taken in this run)' : ''}</title></path>
              ${e.label && e.kind !== 'catch' && html`<text x=${e.labelAt.x} y=${e.labelAt.y} text-anchor="middle" class="edge-label">${e.labelAt.maxChars !== undefined && e.label.length > e.labelAt.maxChars ? `${e.label.slice(0, e.labelAt.maxChars - 1)}…` : e.label}</text>`}
            </g>`;
          })}
        </g>
        <g class="nodes">
          ${layout.nodes.map((n) => {
            const status = nodeStatus(n, statuses, steps, runStatus);
            const info = statuses.get(n.id);
            if (n.kind !== 'state') {
              return html`<g key=${n.id} class=${`node terminal status-${status}`} transform=${`translate(${n.x},${n.y})`}>
                <rect width=${n.w} height=${n.h} rx=${n.h / 2} />
                <text x=${n.w / 2} y=${n.h / 2 + 4} text-anchor="middle" class="node-label">${n.label}</text>
              </g>`;
            }
            const retries = info?.retries ? ` · ${info.retries} ${info.retries === 1 ? 'retry' : 'retries'}` : '';
            const label = `${n.label} (${n.type}): ${STATE_STATUS[status].label}${retries}`;
            return html`<g
              key=${n.id}
              class=${`node status-${status}${n.type === 'Choice' ? ' choice' : ''}`}
              data-state=${n.id}
              data-status=${status}
              transform=${`translate(${n.x},${n.y})`}
              tabindex=${onSelect && info ? '0' : undefined}
              role=${onSelect && info ? 'button' : 'img'}
              aria-label=${label}
              onClick=${() => info && onSelect?.(n.id)}
              onKeyDown=${(/** @type {TargetedKeyboardEvent<SVGGElement>} */ e) => {
                if ((e.key === 'Enter' || e.key === ' ') && info) {
                  e.preventDefault();
                  onSelect?.(n.id);
                }
              }}
            >
              <title>${label}</title>
              <rect width=${n.w} height=${n.h} rx=${n.type === 'Choice' ? 16 : 6} />
              <text x="12" y="19" class="node-label">${STATE_STATUS[status].icon ? `${STATE_STATUS[status].icon} ` : ''}${n.label}</text>
              <text x="12" y="36" class="node-sub">${n.sub}</text>
              ${info?.retries ? html`<text x=${n.w - 8} y="19" text-anchor="end" class="node-retries" aria-hidden="true">↻${info.retries}</text>` : null}
            </g>`;
          })}
        </g>
      </svg>
    </div>
    <figcaption class="legend">
      ${/** @type {StateStatus[]} */ (['succeeded', 'retried', 'caught', 'running', 'unreached']).map((s) => html`<span key=${s} class=${`legend-item status-${s}`}><span class="swatch" aria-hidden="true">${STATE_STATUS[s].icon}</span>${STATE_STATUS[s].label}</span>`)}
      <span class="legend-item"><span class="line line-taken" aria-hidden="true"></span>taken</span>
      <span class="legend-item"><span class="line line-catch" aria-hidden="true"></span>Catch</span>
    </figcaption>
  </figure>`;
}
