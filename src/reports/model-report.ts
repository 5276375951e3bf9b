import type { Metrics } from '../model/metrics.ts';
import type { ModelDetail, ModelMetrics } from '../operations/models.ts';

/**
 * `triage models show <version> --html report.html`: one self-contained HTML
 * page (inline CSS, no scripts, no CDN) with what the registry knows about a
 * model version: status and why, lineage, its figures, the confusion matrix
 * as a heat map and per-category precision/recall bars, coverage and precision
 * of its automatic routes at its target precision (overall and per category)
 * and its calibration error, and, for a retrained version, the same for the
 * model it was compared with on the same holdout.
 */
const escapeHtml = (value: unknown): string =>
  String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const pct = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined ? '–' : `${(x * 100).toFixed(digits)}%`;

/** Background of a confusion cell: green on the diagonal, red off it, stronger with the share of the true category. */
function cellColour(share: number, diagonal: boolean): { background: string; color: string } {
  const s = Math.max(0, Math.min(1, share));
  if (s === 0) return { background: '#ffffff', color: '#9aa0a6' };
  const light = Math.round(96 - s * 60);
  return {
    background: diagonal ? `hsl(145 55% ${light}%)` : `hsl(5 75% ${light}%)`,
    color: light < 58 ? '#ffffff' : '#1f2328',
  };
}

export function confusionHeatMap(metrics: Metrics, caption: string): string {
  const header = metrics.labels
    .map((l, i) => `<th scope="col" title="${escapeHtml(l)}"><span>${i + 1}</span></th>`)
    .join('');
  const rows = metrics.confusion
    .map((row, i) => {
      const total = row.reduce((a, b) => a + b, 0);
      const cells = row
        .map((n, j) => {
          const share = total === 0 ? 0 : n / total;
          const { background, color } = cellColour(share, i === j);
          const title = `true ${metrics.labels[i]} predicted as ${metrics.labels[j]}: ${n} (${pct(share)} of ${metrics.labels[i]})`;
          return `<td style="background:${background};color:${color}" title="${escapeHtml(title)}">${n}</td>`;
        })
        .join('');
      return `<tr><th scope="row">${i + 1}. ${escapeHtml(metrics.labels[i])}</th>${cells}<td class="total">${total}</td></tr>`;
    })
    .join('\n');
  return `<figure class="heatmap"><table>
<caption>${escapeHtml(caption)}<br><small>rows: true category · columns: predicted · colour: share of the row (green = right, red = confused)</small></caption>
<thead><tr><th></th>${header}<th>total</th></tr></thead>
<tbody>
${rows}
</tbody></table></figure>`;
}

const bar = (value: number, kind: 'precision' | 'recall' | 'coverage' | 'other') =>
  `<span class="bar ${kind}" title="${pct(value)}"><span style="width:${(Math.max(0, Math.min(1, value)) * 100).toFixed(1)}%"></span></span><span class="num">${pct(value)}</span>`;

export function perClassBars(metrics: ModelMetrics, compare?: ModelMetrics, compareName?: string): string {
  const other = new Map((compare?.perClass ?? []).map((c) => [c.label, c]));
  const routed = new Map((metrics.routing?.perCategory ?? []).map((c) => [c.label, c]));
  const otherRouted = new Map((compare?.routing?.perCategory ?? []).map((c) => [c.label, c]));
  const withRouting = metrics.routing !== undefined;
  const rows = metrics.perClass
    .map((c) => {
      const o = other.get(c.label);
      const r = routed.get(c.label);
      const or = otherRouted.get(c.label);
      const routing = withRouting
        ? `<td>${r ? bar(r.coverage, 'coverage') : '–'}</td><td class="num">${r && r.autoRouted > 0 ? pct(r.autoPrecision) : '–'}</td>`
        : '';
      const versus = compare
        ? `<td>${o ? bar(o.precision, 'other') : '–'}</td><td>${o ? bar(o.recall, 'other') : '–'}</td>${withRouting ? `<td>${or ? bar(or.coverage, 'other') : '–'}</td>` : ''}`
        : '';
      return `<tr><th scope="row">${escapeHtml(c.label)}</th><td>${bar(c.precision, 'precision')}</td><td>${bar(c.recall, 'recall')}</td><td class="num">${pct(c.f1)}</td><td class="num">${c.support}</td>${routing}${versus}</tr>`;
    })
    .join('\n');
  const name = escapeHtml(compareName ?? 'other');
  const extra = compare
    ? `<th>precision (${name})</th><th>recall (${name})</th>${withRouting ? `<th>coverage (${name})</th>` : ''}`
    : '';
  const routingHeads = withRouting
    ? '<th title="share of the category\'s tickets routed automatically">coverage</th><th title="share of the tickets routed automatically to it that belong to it">auto-precision</th>'
    : '';
  return `<table class="bars"><thead><tr><th>category</th><th>precision</th><th>recall</th><th>F1</th><th>support</th>${routingHeads}${extra}</tr></thead><tbody>
${rows}
</tbody></table>`;
}

/** A routing policy a model was judged under, for people. */
function policyText(policy: NonNullable<ModelDetail['evaluation']>['routing']['candidate'] | undefined): string {
  if (!policy) return 'no routing policy (the old fixed 0.6)';
  const refitted =
    policy.refittedFrom === undefined ? '' : ` (re-fitted from its curve; trained for ${pct(policy.refittedFrom, 0)})`;
  return `threshold ${policy.threshold.toFixed(3)} for ${pct(policy.targetPrecision, 0)} target precision${refitted}`;
}

function definitionList(entries: [string, unknown][]): string {
  return `<dl>${entries
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
    .join('')}</dl>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2328;margin:2rem auto;max-width:1100px;padding:0 1rem}
h1{font-size:1.4rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
.status{display:inline-block;padding:.1rem .5rem;border-radius:1rem;font-weight:600;font-size:.85rem}
.status.promoted{background:#dafbe1;color:#116329}.status.rejected{background:#ffebe9;color:#a40e26}.status.failed{background:#ffebe9;color:#a40e26}.status.candidate{background:#fff8c5;color:#7d4e00}
.inservice{margin-left:.5rem;font-weight:600;color:#0969da}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{color:#57606a}dd{margin:0;word-break:break-all}
.figures{display:flex;gap:2rem;flex-wrap:wrap}.figure{border:1px solid #d0d7de;border-radius:6px;padding:.6rem 1rem}.figure b{display:block;font-size:1.4rem}
.heatmap table{border-collapse:collapse}.heatmap td,.heatmap th{padding:.3rem .55rem;text-align:center;border:1px solid #eaeef2;min-width:2.2rem}
.heatmap th[scope=row]{text-align:left;white-space:nowrap}.heatmap caption{caption-side:top;text-align:left;padding-bottom:.4rem}.heatmap td.total{color:#57606a}
table.bars{border-collapse:collapse}table.bars td,table.bars th{padding:.25rem .6rem;text-align:left;border-bottom:1px solid #eaeef2;white-space:nowrap}
.bar{display:inline-block;width:120px;height:.7rem;background:#eaeef2;border-radius:3px;vertical-align:middle;margin-right:.4rem;overflow:hidden}
.bar>span{display:block;height:100%}.bar.precision>span{background:#0969da}.bar.recall>span{background:#8250df}.bar.coverage>span{background:#1a7f37}.bar.other>span{background:#8c959f}
.num{font-variant-numeric:tabular-nums}.muted{color:#57606a}
`;

/** Under the coverage figure: the threshold, and what the model in service routed on the same holdout. */
function routedNote(model: ModelDetail, evaluation: ModelDetail['evaluation']): string {
  const parts: string[] = [];
  if (model.routing) parts.push(`probability ≥ ${model.routing.threshold.toFixed(3)}`);
  else parts.push('no routing policy: the old fixed 0.6');
  if (evaluation?.inService?.routing) parts.push(`in service then: ${pct(evaluation.inService.routing.coverage, 1)}`);
  return escapeHtml(parts.join(' · '));
}

export function renderModelReport(model: ModelDetail, generatedAt: Date = new Date()): string {
  const evaluation = model.evaluation;
  const metrics = model.metrics;
  const lineage = model.manifest?.lineage;
  const figures = metrics
    ? `<div class="figures">
<div class="figure">accuracy<b>${pct(metrics.accuracy, 2)}</b>${evaluation?.inService ? `<span class="muted">in service then: ${pct(evaluation.inService.accuracy, 2)}</span>` : ''}</div>
<div class="figure">macro-F1<b>${pct(metrics.macroF1, 2)}</b>${evaluation?.inService ? `<span class="muted">in service then: ${pct(evaluation.inService.macroF1, 2)}</span>` : ''}</div>
${
  metrics.routing
    ? `<div class="figure">routed automatically<b>${pct(metrics.routing.coverage, 1)}</b><span class="muted">${routedNote(model, evaluation)}</span></div>
<div class="figure">precision of those<b>${pct(metrics.routing.autoPrecision, 1)}</b>${model.routing ? `<span class="muted">target ${pct(model.routing.targetPrecision, 0)}</span>` : ''}</div>
<div class="figure">calibration error (ECE)<b>${pct(metrics.ece, 1)}</b><span class="muted">15 bins</span></div>`
    : ''
}
<div class="figure">examples<b>${metrics.examples}</b>${evaluation ? `<span class="muted">${evaluation.holdout.baseRows} base holdout + ${evaluation.holdout.feedbackRows} held-out feedback</span>` : '<span class="muted">base holdout</span>'}</div>
</div>`
    : '<p class="muted">No figures are recorded for this version (it was never evaluated).</p>';
  const sections: string[] = [];
  sections.push(
    `<h2>Status</h2>${definitionList([
      ['status', model.status],
      ['why', model.statusReason],
      ['decided at', model.statusAt],
      ['created at', model.createdAt],
      ['made by run', model.retrainExecution],
    ])}`,
  );
  if (model.serviceHistory.length > 0) {
    sections.push(
      `<h2>Time in service</h2><table class="bars"><thead><tr><th>when</th><th>what</th><th>why</th></tr></thead><tbody>${model.serviceHistory
        .map(
          (h) =>
            `<tr><td>${escapeHtml(h.at)}</td><td>${escapeHtml(h.event)}${h.other ? ` (${h.event === 'put in service' ? 'replacing' : 'replaced by'} ${escapeHtml(h.other)})` : ''}</td><td>${escapeHtml(h.reason)}</td></tr>`,
        )
        .join('')}</tbody></table>`,
    );
  }
  sections.push(`<h2>Figures</h2>${figures}`);
  if (metrics) {
    sections.push(
      `<h2>Per category</h2>${perClassBars(metrics, evaluation?.inService ?? undefined, evaluation?.inServiceVersion ? 'in service then' : undefined)}`,
    );
    sections.push(`<h2>Confusion matrix</h2>${confusionHeatMap(metrics, `${model.version}`)}`);
    if (evaluation?.inService)
      sections.push(
        confusionHeatMap(
          evaluation.inService,
          `compared with ${evaluation.inServiceVersion} (in service then), same holdout`,
        ),
      );
  }
  if (evaluation) {
    sections.push(
      `<h2>The gate</h2>${definitionList([
        ['decision', evaluation.gate.accepted ? 'the gate holds' : 'the gate does not hold'],
        ['reason', evaluation.gate.reason],
        ['required accuracy', pct(evaluation.gate.required.accuracy, 2)],
        ['required macro-F1', pct(evaluation.gate.required.macroF1, 2)],
        [
          'required coverage at the target precision',
          evaluation.gate.coverageCompared === false
            ? 'not compared'
            : evaluation.gate.required.coverageAtTarget === undefined
              ? undefined
              : pct(evaluation.gate.required.coverageAtTarget, 2),
        ],
        [
          'coverage at the target precision',
          evaluation.figures
            ? `${pct(evaluation.figures.candidate.coverageAtTarget, 2)} (in service then ${pct(evaluation.figures.inService?.coverageAtTarget, 2)})`
            : undefined,
        ],
        [
          'tolerances',
          `accuracy ${pct(evaluation.gate.tolerances.accuracy, 2)}, macro-F1 ${pct(evaluation.gate.tolerances.macroF1, 2)}${evaluation.gate.tolerances.coverage === undefined ? '' : `, coverage ${pct(evaluation.gate.tolerances.coverage, 2)}`}`,
        ],
        [
          'routing judged under',
          evaluation.routing
            ? `candidate: ${policyText(evaluation.routing.candidate)}; in service then: ${policyText(evaluation.routing.inService)}`
            : undefined,
        ],
        [
          'accuracy on the base holdout',
          `${pct(evaluation.bySource.base.candidate, 2)} (in service then ${pct(evaluation.bySource.base.inService, 2)}, ${evaluation.bySource.base.rows} tickets)`,
        ],
        [
          'accuracy on held-out feedback',
          `${pct(evaluation.bySource.feedback.candidate, 2)} (in service then ${pct(evaluation.bySource.feedback.inService, 2)}, ${evaluation.bySource.feedback.rows} tickets)`,
        ],
      ])}`,
    );
  }
  sections.push(
    `<h2>Lineage</h2>${definitionList([
      ['profile', model.profile],
      [
        'parameters',
        model.manifest
          ? Object.entries(model.manifest.parameters)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')
          : undefined,
      ],
      ['categories', model.manifest?.labels.join(', ')],
      ['training rows', model.manifest?.trainingRows ?? model.trainingRows],
      ['features', model.manifest?.numFeatures],
      [
        'base dataset',
        lineage
          ? `${lineage.dataset.source ?? ''} (${lineage.dataset.rows} rows, sha256 ${lineage.dataset.sha256})`
          : model.datasetSha256,
      ],
      [
        'feedback',
        lineage?.feedback ? `${lineage.feedback.count} tickets up to ${lineage.feedback.watermark ?? '–'}` : undefined,
      ],
      ['feedback snapshot', lineage?.feedback?.snapshotKey],
      ['parent version', lineage?.parentVersion],
      ['artifact', model.manifestError ? `unreadable: ${model.manifestError}` : undefined],
    ])}`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Model ${escapeHtml(model.version)} · ticket-triage</title><style>${STYLE}</style></head>
<body>
<h1>Model ${escapeHtml(model.version)}</h1>
<p><span class="status ${escapeHtml(model.status)}">${escapeHtml(model.status)}</span>${model.inService ? '<span class="inservice">● in service</span>' : ''} <span class="muted">report generated ${escapeHtml(generatedAt.toISOString())}</span></p>
${sections.join('\n')}
</body></html>
`;
}
