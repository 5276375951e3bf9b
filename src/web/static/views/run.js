/** One run: the workflow graph coloured by what happened, and the history state by state. */
/**
 * @import { TargetedEvent } from 'preact'
 * @import { Run, RunStep, RunWithHistory, WorkflowDefinition } from '../lib/api-types.js'
 * @import { StateStatus } from '../components/workflow-graph.js'
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { api } from '../lib/api.js';
import { between, dateTime, splitCause } from '../lib/format.js';
import { href } from '../lib/route.js';
import { ErrorNote, StatusBadge } from '../components/common.js';
import { STATE_STATUS, WorkflowGraph } from '../components/workflow-graph.js';
import { WORKFLOW_LABELS } from './runs.js';

const POLL_MS = 1_000;
/** @type {Map<string, WorkflowDefinition>} */
const definitions = new Map();

/**
 * JSON for reading: objects indented, short arrays of numbers and strings kept on one line.
 * @param {unknown} value
 * @returns {string}
 */
export function formatJson(value, indent = '') {
  if (value === undefined) return '';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => v === null || typeof v !== 'object')) {
      const shown =
        value.length > 40
          ? [...value.slice(0, 40).map((v) => JSON.stringify(v)), `… ${value.length - 40} more`]
          : value.map((v) => JSON.stringify(v));
      return `[${shown.join(', ')}]`;
    }
    return `[\n${value.map((v) => `${inner}${formatJson(v, inner)}`).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`).join(',\n')}\n${indent}}`;
}

/**
 * An error: its name, its message, and the stack trace (if any) folded away.
 * @param {{ error: string, cause?: string, at?: string }} props
 */
function Failure({ error, cause, at }) {
  const { message, trace } = splitCause(cause);
  return html`<span class="mono">${error}</span>${message ? `: ${message}` : ''}${at ? html` <span class="muted small">(${dateTime(at)})</span>` : ''}
    ${trace && html`<details class="trace"><summary>Stack trace</summary><pre>${trace}</pre></details>`}`;
}

const Json = (/** @type {{ value: unknown, label: string }} */ { value, label }) =>
  html`<div class="json"><span class="json-label">${label}</span><pre tabindex="0" aria-label=${label}>${formatJson(value)}</pre></div>`;

/** @param {{ workflow: string, name: string }} props the workflow and the execution's name */
export function RunView({ workflow, name }) {
  const [run, setRun] = useState(/** @type {Run | null} */ (null));
  const [history, setHistory] = useState(/** @type {RunStep[] | null | undefined} */ (null));
  const [definition, setDefinition] = useState(definitions.get(workflow) ?? null);
  const [showText, setShowText] = useState(false);
  const [error, setError] = useState(/** @type {unknown} */ (null));
  const [open, setOpen] = useState(() => /** @type {Set<number>} */ (new Set()));
  const stepRefs = useRef(/** @type {Record<number, HTMLLIElement | null>} */ ({}));

  useEffect(() => {
    if (definitions.has(workflow)) return setDefinition(definitions.get(workflow) ?? null);
    /** @type {Promise<WorkflowDefinition>} */ (api(`/api/workflows/${encodeURIComponent(workflow)}`))
      .then((d) => {
        definitions.set(workflow, d);
        setDefinition(d);
      })
      .catch(setError);
  }, [workflow]);

  useEffect(() => {
    let stop = false;
    /** @type {number | undefined} */
    let timer;
    const load = async () => {
      try {
        /** @type {RunWithHistory} */
        const body = await api(`/api/runs/${encodeURIComponent(name)}`, {
          query: { workflow, history: true, showText },
        });
        if (stop) return;
        setRun(body.run);
        setHistory(body.history);
        setError(null);
        if (body.run.status === 'RUNNING') timer = window.setTimeout(load, POLL_MS);
      } catch (e) {
        if (!stop) setError(e);
      }
    };
    load();
    return () => {
      stop = true;
      window.clearTimeout(timer);
    };
  }, [workflow, name, showText]);

  const steps = history ?? [];
  const select = (/** @type {string} */ state) => {
    const i = steps.findLastIndex((s) => s.name === state);
    if (i < 0) return;
    setOpen((o) => new Set(o).add(i));
    window.requestAnimationFrame(() => {
      const el = stepRefs.current[i];
      el?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
      el?.querySelector('summary')?.focus({ preventScroll: true });
    });
  };

  return html`<section class="run">
    <p class="breadcrumb"><a href=${href('runs', [], { workflow })}>← ${WORKFLOW_LABELS[workflow] ?? workflow} runs</a></p>
    <div class="page-head">
      <h1 tabindex="-1" class="mono run-name">${name}</h1>
      ${run && html`<${StatusBadge} status=${run.status} />`}
    </div>
    <${ErrorNote} error=${error} />
    ${
      run &&
      html`<dl class="facts">
      <div><dt>Started</dt><dd>${dateTime(run.startedAt)}</dd></div>
      <div><dt>Duration</dt><dd>${between(run.startedAt, run.stoppedAt)}${run.status === 'RUNNING' ? ' so far' : ''}</dd></div>
      <div><dt>Model version</dt><dd class="mono">${run.modelVersion ?? '—'}</dd></div>
      ${run.outcome && html`<div><dt>Outcome</dt><dd><${StatusBadge} status=${run.outcome} /></dd></div>`}
      ${run.reason && run.reason !== run.cause && html`<div class="wide"><dt>Reason</dt><dd>${run.reason}</dd></div>`}
      ${run.error && html`<div class="wide"><dt>Error</dt><dd><${Failure} error=${run.error} cause=${run.cause} /></dd></div>`}
    </dl>`
    }

    <div class="run-grid">
      <section aria-labelledby="graph-heading" class="graph-pane">
        <h2 id="graph-heading">Workflow</h2>
        ${definition ? html`<${WorkflowGraph} name=${workflow} definition=${definition.definition} functions=${definition.functions} steps=${steps} runStatus=${run?.status} onSelect=${select} />` : html`<p class="muted">Loading the definition…</p>`}
      </section>
      <section aria-labelledby="history-heading" class="history-pane">
        <div class="history-head">
          <h2 id="history-heading">History</h2>
          <button type="button" aria-pressed=${showText} onClick=${() => setShowText((s) => !s)}>${showText ? 'Hide ticket text' : 'Show ticket text'}</button>
        </div>
        ${!showText && html`<p class="muted small">Ticket text in inputs and outputs is hidden.</p>`}
        ${history === null && run && html`<p class="muted">The history of this run is no longer kept.</p>`}
        <ol class="steps">
          ${steps.map((step, i) => {
            /** @type {StateStatus} */
            const status = step.outcome === 'succeeded' && step.retries > 0 ? 'retried' : step.outcome;
            return html`<li key=${i} ref=${(/** @type {HTMLLIElement | null} */ el) => (stepRefs.current[i] = el)}>
              <details
                class=${`step status-${status}`}
                open=${open.has(i)}
                data-state=${step.name}
                onToggle=${(/** @type {TargetedEvent<HTMLDetailsElement>} */ e) => {
                  const isOpen = e.currentTarget.open;
                  setOpen((o) => {
                    const next = new Set(o);
                    if (isOpen) next.add(i);
                    else next.delete(i);
                    return next;
                  });
                }}
              >
                <summary>
                  <span class="step-name">${step.name}</span>
                  <span class="muted small">${step.type}</span>
                  <span class=${`step-status status-${status}`}><span aria-hidden="true">${STATE_STATUS[status]?.icon} </span>${STATE_STATUS[status]?.label ?? status}${step.retries ? ` (${step.retries} ${step.retries === 1 ? 'retry' : 'retries'})` : ''}</span>
                  <span class="muted small">${dateTime(step.enteredAt)} · ${between(step.enteredAt, step.exitedAt)}</span>
                </summary>
                <div class="step-body">
                  ${step.failures.length > 0 && html`<ul class="failures">${step.failures.map((f, k) => html`<li key=${k}><${Failure} error=${f.error} cause=${f.cause} at=${f.at} /></li>`)}</ul>`}
                  ${step.failures.length === 0 && step.error && html`<p class="failures"><${Failure} error=${step.error} cause=${step.cause} /></p>`}
                  ${step.input !== undefined && html`<${Json} label="Input" value=${step.input} />`}
                  ${step.output !== undefined && html`<${Json} label="Output" value=${step.output} />`}
                </div>
              </details>
            </li>`;
          })}
        </ol>
        ${
          run &&
          html`<details class="run-io">
          <summary>Run input and output</summary>
          <${Json} label="Input" value=${run.input} />
          ${run.output !== undefined && html`<${Json} label="Output" value=${run.output} />`}
        </details>`
        }
      </section>
    </div>
  </section>`;
}
