/** Workflow runs, like the Step Functions console's list: both workflows, filter by status. */
/**
 * @import { TargetedEvent } from 'preact'
 * @import { Run, RunsPage } from '../lib/api-types.js'
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { api } from '../lib/api.js';
import { between, dateTime } from '../lib/format.js';
import { go, href } from '../lib/route.js';
import { ErrorNote, StatusBadge } from '../components/common.js';

/** @type {Record<string, string>} */
export const WORKFLOW_LABELS = {
  'classify-ticket': 'Classification (classify-ticket)',
  'retrain-model': 'Retraining (retrain-model)',
};
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
const REFRESH_MS = 5_000;

/** @param {{ query: Record<string, string> }} props the route's query: `workflow`, `status` */
export function RunsView({ query }) {
  const workflow = query.workflow in WORKFLOW_LABELS ? query.workflow : 'classify-ticket';
  const status = STATUSES.includes(query.status) ? query.status : '';
  const [runs, setRuns] = useState(/** @type {Run[]} */ ([]));
  const [cursor, setCursor] = useState(/** @type {string | null} */ (null));
  const [error, setError] = useState(/** @type {unknown} */ (null));
  const [loading, setLoading] = useState(true);
  const pages = useRef(1);
  const request = useRef(0);

  const load = useCallback(
    async (more = false) => {
      const id = ++request.current;
      setLoading(true);
      try {
        /** @type {RunsPage} */
        const page = await api('/api/runs', {
          query: { workflow, status, limit: 25, ...(more && cursor && { cursor }) },
        });
        if (id !== request.current) return;
        setRuns((r) => (more ? [...r, ...page.runs] : page.runs));
        setCursor(page.cursor);
        pages.current = more ? pages.current + 1 : 1;
        setError(null);
      } catch (e) {
        if (id === request.current) setError(e);
      } finally {
        if (id === request.current) setLoading(false);
      }
    },
    [workflow, status, cursor],
  );

  useEffect(() => {
    setRuns([]);
    load(false);
  }, [workflow, status]);

  // The first page refreshes itself (runs come and finish).
  useEffect(() => {
    const timer = window.setInterval(() => {
      if (pages.current === 1 && !document.hidden) load(false);
    }, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [load]);

  return html`<section class="runs">
    <div class="page-head"><h1 tabindex="-1">Runs</h1></div>
    <nav class="tabs" aria-label="Workflow">
      ${Object.entries(WORKFLOW_LABELS).map(
        ([name, label]) => html`<a
        key=${name}
        aria-current=${name === workflow ? 'page' : undefined}
        class=${name === workflow ? 'tab active' : 'tab'}
        href=${href('runs', [], { workflow: name, status })}
      >${label}</a>`,
      )}
    </nav>
    <form class="toolbar" aria-label="Run filters" onSubmit=${(/** @type {Event} */ e) => e.preventDefault()}>
      <div class="field">
        <label for="f-status">Status</label>
        <select id="f-status" value=${status} onChange=${(/** @type {TargetedEvent<HTMLSelectElement>} */ e) => go('runs', [], { workflow, status: e.currentTarget.value })}>
          <option value="">Any</option>
          ${STATUSES.map((s) => html`<option key=${s} value=${s}>${s.replace('_', ' ').toLowerCase()}</option>`)}
        </select>
      </div>
      <div class="field buttons"><button type="button" onClick=${() => load(false)}>Refresh</button></div>
    </form>
    <${ErrorNote} error=${error} retry=${() => load(false)} />
    <div class="table-wrap">
      <table class="data runs-table">
        <caption class="sr-only">${WORKFLOW_LABELS[workflow]} runs, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">Model version</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          ${runs.map(
            (run) => html`<tr key=${run.executionName} data-execution=${run.executionName}>
            <td><a class="mono" href=${href('runs', [workflow, run.executionName])}>${run.executionName}</a></td>
            <td><${StatusBadge} status=${run.status} /></td>
            <td>${dateTime(run.startedAt)}</td>
            <td>${between(run.startedAt, run.stoppedAt)}</td>
            <td class="mono small">${run.modelVersion ?? '—'}</td>
            <td class="outcome">${run.outcome ? html`<${StatusBadge} status=${run.outcome} />` : ''} <span class="muted small">${run.reason ?? run.error ?? ''}</span></td>
          </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${!loading && runs.length === 0 && html`<p class="empty">No ${status ? status.toLowerCase().replace('_', ' ') : ''} runs of this workflow yet.</p>`}
    ${cursor && html`<button type="button" class="more" onClick=${() => load(true)} disabled=${loading}>Load more</button>`}
    ${loading && html`<p class="muted" aria-live="polite">Loading…</p>`}
  </section>`;
}
