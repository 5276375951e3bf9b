/**
 * Model versions, which is in service and why; one version's figures and confusion matrix; retrain now;
 * put a version in service or roll back (admins, after a confirmation).
 */
/**
 * @import { TargetedEvent } from 'preact'
 * @import { InService, Metrics, ModelDetail, ModelMoved, ModelsList, RetrainStarted, RunWithHistory } from '../lib/api-types.js'
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { api, reviewer } from '../lib/api.js';
import { dateTime, figure, percent } from '../lib/format.js';
import { go, href } from '../lib/route.js';
import { Dialog, ErrorNote, StatusBadge } from '../components/common.js';
import { can } from '../lib/session.js';

const POLL_MS = 1_000;

/**
 * A retraining started from this page, as far as it is known: `status` is the run's,
 * or NOT_STARTED (the API refused it) or UNKNOWN (it could not be followed).
 * @typedef {{ executionName?: string, status: string, outcome?: string, reason?: string, candidateVersion?: string }} Retrain
 */

/**
 * A change of the model in service the person is asked to confirm: put `version` in service, or roll it back.
 * `expected` is the version in service they saw (the API refuses with 409 if another one is by now); `other` the
 * version it replaces (promote) or that comes back (rollback).
 * @typedef {{ kind: 'promote' | 'rollback', version: string, expected: string | null, other: string | null }} Decision
 */

/** @param {{ version: string | undefined }} props the version in the route (default: the one in service) */
export function ModelsView({ version }) {
  const [registry, setRegistry] = useState(/** @type {ModelsList | null} */ (null));
  const [detail, setDetail] = useState(/** @type {ModelDetail | null} */ (null));
  const [error, setError] = useState(/** @type {unknown} */ (null));
  const [retrain, setRetrain] = useState(/** @type {Retrain | null} */ (null));
  const [decision, setDecision] = useState(/** @type {Decision | null} */ (null));
  const [moved, setMoved] = useState(/** @type {(ModelMoved & { kind: Decision['kind'] }) | null} */ (null));
  const movedRef = useRef(/** @type {HTMLParagraphElement | null} */ (null));

  const loadRegistry = useCallback(async () => {
    try {
      /** @type {ModelsList} */
      const r = await api('/api/models');
      r.models.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
      setRegistry(r);
      setError(null);
      return r;
    } catch (e) {
      setError(e);
      return undefined;
    }
  }, []);

  useEffect(() => {
    loadRegistry();
  }, [loadRegistry]);

  const selected = version ?? registry?.inService?.version ?? registry?.models[0]?.version;
  useEffect(() => {
    if (!selected) return;
    let stop = false;
    setDetail((d) => (d?.version === selected ? d : null));
    /** @type {Promise<{ model: ModelDetail }>} */ (api(`/api/models/${encodeURIComponent(selected)}`))
      .then(({ model }) => !stop && setDetail(model))
      .catch((e) => !stop && setError(e));
    return () => {
      stop = true;
    };
  }, [selected, registry]);

  // A retraining started here: follow its run, then show the version it made.
  useEffect(() => {
    if (!retrain?.executionName || retrain.status !== 'RUNNING') return;
    let stop = false;
    const timer = window.setInterval(async () => {
      try {
        /** @type {RunWithHistory} */
        const { run } = await api(`/api/runs/${encodeURIComponent(/** @type {string} */ (retrain.executionName))}`, {
          query: { workflow: 'retrain-model' },
        });
        if (stop || run.status === 'RUNNING') return;
        setRetrain({
          executionName: run.executionName,
          status: run.status,
          outcome: run.outcome,
          reason: run.reason,
          candidateVersion: run.candidateVersion,
        });
        await loadRegistry();
        if (run.candidateVersion) go('models', [run.candidateVersion]);
      } catch (e) {
        if (!stop) setRetrain((r) => ({ ...r, status: 'UNKNOWN', reason: /** @type {Error} */ (e).message }));
      }
    }, POLL_MS);
    return () => {
      stop = true;
      window.clearInterval(timer);
    };
  }, [retrain?.executionName, retrain?.status]);

  const startRetrain = async () => {
    const by = reviewer.get();
    try {
      /** @type {RetrainStarted} */
      const started = await api('/api/retrain', { method: 'POST', body: by ? { by } : {} });
      setRetrain({ executionName: started.executionName, status: 'RUNNING' });
    } catch (e) {
      setRetrain({ status: 'NOT_STARTED', reason: /** @type {Error} */ (e).message });
    }
  };

  /** @param {Decision['kind']} kind @param {ModelMoved} result */
  const decided = async (kind, result) => {
    setDecision(null);
    setMoved({ kind, ...result });
    await loadRegistry();
    movedRef.current?.focus();
  };

  const inService = registry?.inService;
  return html`<section class="models">
    <div class="page-head">
      <h1 tabindex="-1">Models</h1>
      ${
        can('retrain') &&
        html`<div class="retrain">
        <button type="button" class="primary" onClick=${startRetrain} disabled=${retrain?.status === 'RUNNING'}>${retrain?.status === 'RUNNING' ? 'Retraining…' : 'Retrain now'}</button>
      </div>`
      }
    </div>
    <div class="retrain-status" role="status" aria-live="polite">
      ${
        retrain &&
        html`<p class=${`notice ${retrain.status === 'NOT_STARTED' || retrain.status === 'FAILED' ? 'notice-bad' : ''}`}>
        ${retrain.status === 'NOT_STARTED' ? html`The retraining did not start: ${retrain.reason}` : null}
        ${retrain.status === 'RUNNING' ? html`Retraining: run <a class="mono" href=${href('runs', ['retrain-model', /** @type {string} */ (retrain.executionName)])}>${retrain.executionName}</a> is running…` : null}
        ${
          retrain.status !== 'RUNNING' && retrain.status !== 'NOT_STARTED'
            ? html`Run <a class="mono" href=${href('runs', ['retrain-model', /** @type {string} */ (retrain.executionName)])}>${retrain.executionName}</a> finished: <strong data-outcome=${retrain.outcome}>${retrain.outcome ?? retrain.status.toLowerCase()}</strong>${retrain.candidateVersion ? html` (version <span class="mono">${retrain.candidateVersion}</span>)` : ''}. ${retrain.reason ?? ''}`
            : null
        }
      </p>`
      }
    </div>
    <div class="model-status" role="status" aria-live="polite">
      ${
        moved &&
        html`<p class="notice" tabindex="-1" ref=${movedRef} data-moved=${moved.kind}>
        ${
          moved.kind === 'promote'
            ? html`Version <span class="mono">${moved.version}</span> is in service now${moved.previousVersion ? html` (replacing <span class="mono">${moved.previousVersion}</span>)` : ''}.`
            : html`Rolled back: <span class="mono">${moved.version}</span> is in service again; <span class="mono">${moved.previousVersion}</span> is recorded as rolled back.`
        }
      </p>`
      }
    </div>
    <${ErrorNote} error=${error} retry=${loadRegistry} />
    ${inService && html`<p class="in-service">In service: <a class="mono" href=${href('models', [inService.version])}>${inService.version}</a> since ${dateTime(inService.since)}</p>`}

    <div class="table-wrap">
      <table class="data models-table">
        <caption class="sr-only">Model versions, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">Accuracy</th>
            <th scope="col" class="num">Macro-F1</th>
            <th scope="col" class="num" title="Share of the holdout routed automatically (not to review) at the model's target precision">Coverage</th>
            <th scope="col" class="num hide-narrow" title="Precision of the tickets routed automatically">Auto-precision</th>
            <th scope="col" class="num hide-narrow" title="Expected calibration error of the probabilities (15 bins)">ECE</th>
            <th scope="col" class="num hide-narrow">Feedback</th>
            <th scope="col" class="hide-narrow">Created</th>
            <th scope="col" class="hide-narrow">Why</th>
          </tr>
        </thead>
        <tbody>
          ${(registry?.models ?? []).map(
            (
              m,
            ) => html`<tr key=${m.version} class=${m.version === selected ? 'selected' : ''} data-version=${m.version}>
            <td class="version"><a class="mono" href=${href('models', [m.version])} aria-current=${m.version === selected ? 'true' : undefined}>${m.version}</a></td>
            <td><${StatusBadge} status=${m.status} />${m.inService ? html` <span class="badge badge-ok-strong">In service</span>` : ''}</td>
            <td class="num">${percent(m.accuracy)}</td>
            <td class="num">${percent(m.macroF1)}</td>
            <td class="num" data-figure="coverage">${percent(m.coverage)}</td>
            <td class="num hide-narrow">${percent(m.autoPrecision)}</td>
            <td class="num hide-narrow">${percent(m.ece, 1)}</td>
            <td class="num hide-narrow">${m.feedbackCount ?? '—'}</td>
            <td class="hide-narrow">${dateTime(m.createdAt)}</td>
            <td class="small hide-narrow">${m.statusReason ?? ''}</td>
          </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${detail && html`<${ModelDetail} model=${detail} inService=${inService ?? null} onAsk=${setDecision} />`}
    <${DecisionDialog} decision=${decision} onClose=${() => setDecision(null)} onDone=${decided} onStale=${loadRegistry} />
  </section>`;
}

/**
 * What an admin may do to the selected version: put it in service, or roll it back when it is in service.
 * Nothing for reviewers (the API refuses them too).
 * @param {{ model: ModelDetail, inService: InService | null, onAsk: (decision: Decision) => void }} props
 */
function ModelActions({ model, inService, onAsk }) {
  // The registry's word first: it is reloaded at once after a change, the version's detail a moment later.
  if (inService ? inService.version === model.version : model.inService) {
    if (!can('rollback')) return null;
    const comesBack = inService?.version === model.version ? inService.rollbackTo : null;
    return html`<div class="model-actions">
      <button
        type="button"
        onClick=${() => onAsk({ kind: 'rollback', version: model.version, expected: model.version, other: comesBack })}
        disabled=${!comesBack}
        aria-describedby=${comesBack ? undefined : 'rollback-none'}
      >Roll back</button>
      ${!comesBack && html`<span id="rollback-none" class="muted small">No earlier model to roll back to.</span>`}
    </div>`;
  }
  if (!can('promote')) return null;
  if (model.status !== 'promoted' && model.status !== 'rejected')
    return html`<p class="muted small model-actions">A version no retraining has judged (${model.status}) cannot be put in service.</p>`;
  return html`<div class="model-actions">
    <button
      type="button"
      onClick=${() => onAsk({ kind: 'promote', version: model.version, expected: inService?.version ?? null, other: inService?.version ?? null })}
    >Put in service</button>
  </div>`;
}

/**
 * Asks to confirm a change of the model in service (with an optional reason, recorded with it), then makes it.
 * @param {{
 *   decision: Decision | null,
 *   onClose: () => void,
 *   onDone: (kind: Decision['kind'], result: ModelMoved) => void,
 *   onStale: () => unknown,
 * }} props
 */
function DecisionDialog({ decision, onClose, onDone, onStale }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(/** @type {Error | null} */ (null));
  useEffect(() => {
    setReason('');
    setBusy(false);
    setError(null);
  }, [decision]);

  /** @param {TargetedEvent<HTMLFormElement>} event */
  const submit = async (event) => {
    event.preventDefault();
    if (!decision || busy) return;
    setBusy(true);
    setError(null);
    const by = reviewer.get();
    const body = {
      ...(reason.trim() && { reason: reason.trim() }),
      ...(by && { by }),
      ...(decision.expected && { expectedInService: decision.expected }),
    };
    const path =
      decision.kind === 'promote'
        ? `/api/models/${encodeURIComponent(decision.version)}/promote`
        : '/api/models/rollback';
    try {
      /** @type {ModelMoved} */
      const result = await api(path, { method: 'POST', body });
      onDone(decision.kind, result);
    } catch (e) {
      setError(/** @type {Error} */ (e));
      setBusy(false);
      // Someone else changed the registry meanwhile: show it as it is now.
      if (/** @type {{ status?: number }} */ (e).status === 409) onStale();
    }
  };

  const promote = decision?.kind === 'promote';
  const action = promote ? 'Put in service' : 'Roll back';
  return html`<${Dialog} open=${decision !== null} onClose=${onClose} labelledBy="decision-heading" initialFocus="#decision-reason">
    ${
      decision &&
      html`<form onSubmit=${submit}>
      <h2 id="decision-heading">${promote ? html`Put <span class="mono">${decision.version}</span> in service?` : html`Roll back <span class="mono">${decision.version}</span>?`}</h2>
      <p id="decision-effect">
        ${
          promote
            ? html`It replaces ${decision.other ? html`<span class="mono">${decision.other}</span>` : 'no model'} for every ticket classified from now on, bypassing the retraining gate. This is recorded as your decision.`
            : html`<span class="mono">${decision.other}</span> goes back in service for every ticket classified from now on; <span class="mono">${decision.version}</span> is recorded as rolled back. This is recorded as your decision.`
        }
      </p>
      <label for="decision-reason">Why <span class="hint">(optional, recorded with it)</span></label>
      <textarea
        id="decision-reason"
        rows="3"
        maxlength="500"
        value=${reason}
        onInput=${(/** @type {TargetedEvent<HTMLTextAreaElement>} */ e) => setReason(e.currentTarget.value)}
      ></textarea>
      ${error && html`<p class="error-note" role="alert">${error.message}</p>`}
      <div class="dialog-actions">
        <button type="button" onClick=${onClose}>Cancel</button>
        <button type="submit" class="primary" disabled=${busy} aria-describedby="decision-effect">${busy ? `${action}…` : action}</button>
      </div>
    </form>`
    }
  <//>`;
}

/** @param {{ model: ModelDetail, inService: InService | null, onAsk: (decision: Decision) => void }} props */
function ModelDetail({ model, inService, onAsk }) {
  const metrics = model.metrics;
  const compared = model.comparedWith;
  const evaluation = model.evaluation;
  return html`<section class="model-detail" aria-labelledby="model-heading">
    <h2 id="model-heading">Version <span class="mono">${model.version}</span></h2>
    <${ModelActions} model=${model} inService=${inService} onAsk=${onAsk} />
    <dl class="facts">
      <div><dt>Status</dt><dd><${StatusBadge} status=${model.status} />${model.inService ? ' in service' : ''}</dd></div>
      <div><dt>Profile</dt><dd>${model.profile}</dd></div>
      <div><dt>Accuracy</dt><dd>${percent(metrics?.accuracy ?? model.accuracy)}${compared?.accuracy != null ? html` <span class="muted">vs ${percent(compared.accuracy)} (${compared.version})</span>` : ''}</dd></div>
      <div><dt>Macro-F1</dt><dd>${percent(metrics?.macroF1 ?? model.macroF1)}${compared?.macroF1 != null ? html` <span class="muted">vs ${percent(compared.macroF1)}</span>` : ''}</dd></div>
      <div data-figure="coverage"><dt>Routed automatically</dt><dd>${percent(metrics?.routing?.coverage ?? model.coverage)}${compared?.coverage != null ? html` <span class="muted">vs ${percent(compared.coverage)}</span>` : ''}</dd></div>
      <div><dt>Precision of those</dt><dd>${percent(metrics?.routing?.autoPrecision ?? model.autoPrecision)}${model.routing ? html` <span class="muted">target ${percent(model.routing.targetPrecision, 0)}</span>` : ''}</dd></div>
      <div><dt>Calibration error</dt><dd>${percent(metrics?.ece ?? model.ece, 1)} <span class="muted">ECE, 15 bins</span></dd></div>
      <div><dt>Routing</dt><dd>${model.routing ? `automatic at probability ≥ ${model.routing.threshold.toFixed(3)}` : model.manifest ? 'no routing policy: review below the old fixed 0.6' : '—'}</dd></div>
      <div><dt>Evaluated on</dt><dd>${metrics?.examples ?? '—'} tickets${evaluation ? ` (${evaluation.holdout.baseRows} base + ${evaluation.holdout.feedbackRows} from feedback)` : ''}</dd></div>
      <div><dt>Training rows</dt><dd>${model.manifest?.trainingRows ?? model.trainingRows ?? '—'}${model.feedbackCount != null ? ` (${model.feedbackCount} from feedback)` : ''}</dd></div>
      ${model.parentVersion && html`<div><dt>Trained from</dt><dd><a class="mono" href=${href('models', [model.parentVersion])}>${model.parentVersion}</a></dd></div>`}
      ${model.retrainExecution && html`<div><dt>Made by run</dt><dd><a class="mono" href=${href('runs', ['retrain-model', model.retrainExecution])}>${model.retrainExecution}</a></dd></div>`}
      ${model.statusReason && html`<div class="wide"><dt>Why</dt><dd>${model.statusReason}</dd></div>`}
    </dl>
    ${
      model.serviceHistory?.length > 0 &&
      html`<section aria-labelledby="service-heading">
      <h3 id="service-heading">In service</h3>
      <ul class="plain">${model.serviceHistory.map((h, i) => html`<li key=${i}>${dateTime(h.at)}: ${h.event}${h.other ? html` (${h.event === 'put in service' ? 'replacing' : 'replaced by'} <span class="mono">${h.other}</span>)` : ''} — ${h.reason}</li>`)}</ul>
    </section>`
    }
    ${
      metrics
        ? html`<div class="metrics-grid">
          <${ConfusionMatrix} metrics=${metrics} />
          <${PerClass} metrics=${metrics} />
        </div>`
        : html`<p class="muted">No figures were recorded for this version.</p>`
    }
  </section>`;
}

/** @param {{ metrics: Metrics }} props */
function PerClass({ metrics }) {
  const routed = new Map((metrics.routing?.perCategory ?? []).map((c) => [c.label, c]));
  const withRouting = metrics.routing !== undefined;
  return html`<section aria-labelledby="perclass-heading">
    <h3 id="perclass-heading">Per category</h3>
    <div class="table-wrap">
      <table class="data compact">
        <thead><tr><th scope="col">Category</th><th scope="col" class="num">Precision</th><th scope="col" class="num">Recall</th><th scope="col" class="num">F1</th><th scope="col" class="num">Tickets</th>${withRouting && html`<th scope="col" class="num" title="Share of the category's tickets routed automatically">Coverage</th><th scope="col" class="num" title="Share of the tickets routed automatically to it that belong to it">Auto-precision</th>`}</tr></thead>
        <tbody>
          ${metrics.perClass.map((c) => {
            const r = routed.get(c.label);
            return html`<tr key=${c.label}><th scope="row">${c.label}</th><td class="num">${figure(c.precision, 2)}</td><td class="num">${figure(c.recall, 2)}</td><td class="num">${figure(c.f1, 2)}</td><td class="num">${c.support}</td>${withRouting && html`<td class="num">${r ? figure(r.coverage, 2) : '—'}</td><td class="num">${r && r.autoRouted > 0 ? figure(r.autoPrecision, 2) : '—'}</td>`}</tr>`;
          })}
        </tbody>
      </table>
    </div>
  </section>`;
}

/** The confusion matrix as a heat map: rows the true category, columns the predicted one; colour by share of the row. */
/** @param {{ metrics: Metrics }} props */
export function ConfusionMatrix({ metrics }) {
  const { labels, confusion } = metrics;
  return html`<section aria-labelledby="confusion-heading" class="confusion">
    <h3 id="confusion-heading">Confusion matrix</h3>
    <div class="table-wrap">
      <table class="heatmap">
        <caption class="muted small">Rows: the true category. Columns: what the model predicted. Darker = larger share of the row; the diagonal is right.</caption>
        <thead>
          <tr><td></td>${labels.map((l) => html`<th scope="col" key=${l}><span class="col-label">${l}</span></th>`)}</tr>
        </thead>
        <tbody>
          ${confusion.map((row, i) => {
            const total = row.reduce((s, v) => s + v, 0);
            return html`<tr key=${labels[i]}>
              <th scope="row">${labels[i]}</th>
              ${row.map((count, j) => {
                const share = total ? count / total : 0;
                const level = count === 0 ? 0 : Math.min(5, Math.max(1, Math.ceil(share * 5)));
                return html`<td key=${j} class=${`cell ${i === j ? 'diag' : 'off'} level-${level}`} title=${`true ${labels[i]}, predicted ${labels[j]}: ${count} of ${total} (${percent(share, 0)})`}>${count}</td>`;
              })}
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
  </section>`;
}
