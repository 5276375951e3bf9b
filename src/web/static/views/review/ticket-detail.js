/** The selected ticket in full: text with the words that drove the prediction, alternatives, actions. */
/**
 * @import { ExplanationTerm, Ticket, TicketSummary } from '../../lib/api-types.js'
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { html } from '../../lib/html.js';
import { api } from '../../lib/api.js';
import { ago, dateTime } from '../../lib/format.js';
import { highlightSegments } from '../../lib/highlight.js';
import { href } from '../../lib/route.js';
import { ProbabilityBar, REVIEW_REASONS, RouteBadge } from '../../components/common.js';
import { feedbackLabel } from './feedback.js';

/**
 * Full tickets (text, explanation) by id, fetched for the selected one and the next two.
 * @param {TicketSummary[]} visible the tickets shown
 * @param {number} index the selected one's
 */
export function useTicketDetails(visible, index) {
  const [details, setDetails] = useState(/** @type {Record<string, Ticket>} */ ({}));
  const fetching = useRef(/** @type {Set<string>} */ (new Set()));

  useEffect(() => {
    const wanted = [index, index + 1, index + 2]
      .map((i) => visible[i])
      .filter(Boolean)
      .filter((t) => !details[t.ticketId] && !fetching.current.has(t.ticketId));
    for (const t of wanted) {
      fetching.current.add(t.ticketId);
      /** @type {Promise<{ ticket: Ticket }>} */ (api(`/api/predictions/${encodeURIComponent(t.ticketId)}`))
        .then(({ ticket }) => setDetails((d) => ({ ...d, [t.ticketId]: ticket })))
        .catch(() => {})
        .finally(() => fetching.current.delete(t.ticketId));
    }
  }, [index, visible]);

  return {
    details,
    /** Changes a fetched ticket in place (its feedback). */
    patchDetail: (/** @type {string} */ ticketId, /** @type {Partial<Ticket>} */ patch) =>
      setDetails((d) => (d[ticketId] ? { ...d, [ticketId]: { ...d[ticketId], ...patch } } : d)),
  };
}

/** @param {{ text: string, explanation: ExplanationTerm[] | undefined }} props */
function HighlightedText({ text, explanation }) {
  const segments = useMemo(() => highlightSegments(text, explanation ?? []), [text, explanation]);
  return html`<div class="ticket-text">${segments.map((s, i) =>
    s.weight === undefined
      ? s.text
      : html`<mark key=${i} class=${`hl hl-${Math.min(4, Math.max(1, Math.ceil(s.weight * 4)))}`} title=${`drove the prediction: ${s.terms.join(', ')}`}>${s.text}</mark>`,
  )}</div>`;
}

/**
 * Why the ticket went where it went, in a sentence.
 * @param {TicketSummary} item
 */
function routeExplained(item) {
  if (item.route === 'auto')
    return `Routed automatically to ${item.category}: the model was sure enough for its target precision.`;
  if (item.route !== 'review') return '';
  const why = REVIEW_REASONS[item.reason ?? 'low-confidence'] ?? REVIEW_REASONS['low-confidence'];
  return `Sent to review because ${why.explained}.`;
}

/**
 * @param {{
 *   item: TicketSummary,
 *   detail: Ticket | undefined,
 *   labels: string[],
 *   position: number,
 *   count: number,
 *   onConfirm: () => void,
 *   onCorrect: () => void,
 *   onPick: (category: string) => void,
 *   onMove: (delta: number) => void,
 * }} props `item`: the ticket in the queue; `detail`: the same in full, once fetched; `position` of `count` shown
 */
export function TicketDetail({ item, detail, labels, position, count, onConfirm, onCorrect, onPick, onMove }) {
  const ticket = detail ?? item;
  const text = detail?.text ?? item.textPreview ?? '';
  const explanation = detail?.explanation ?? [];
  const maxWeight = Math.max(0, ...explanation.map((e) => e.weight));
  const f = item.feedback;
  const classified = item.status === 'classified';
  return html`<article class="ticket" aria-labelledby="ticket-heading" data-ticket-id=${item.ticketId} data-loaded=${detail ? 'true' : 'false'}>
    <header class="ticket-head">
      <h2 id="ticket-heading">Ticket <span class="mono">${item.ticketId}</span></h2>
      <div class="ticket-nav">
        <span class="muted">${position + 1} of ${count}</span>
        <button type="button" onClick=${() => onMove(-1)} disabled=${position <= 0} aria-label="Previous ticket (k)">↑ Prev</button>
        <button type="button" onClick=${() => onMove(1)} disabled=${position >= count - 1} aria-label="Next ticket (j)">↓ Next</button>
      </div>
    </header>
    <p class="ticket-meta muted">
      Received ${dateTime(ticket.receivedAt)} · model <span class="mono">${ticket.modelVersion ?? '—'}</span>
      ${ticket.executionName && html` · <a href=${href('runs', ['classify-ticket', ticket.executionName])}>run</a>`}
      ${ticket.truncated ? ' · text was cut to the length limit' : ''}
    </p>

    ${
      classified
        ? html`<div class="prediction">
          <div>
            <span class="label">Predicted</span>
            <strong class="predicted" data-predicted=${item.category}>${item.category}</strong>
            <${RouteBadge} route=${item.route} reason=${item.reason} />
          </div>
          <${ProbabilityBar} p=${item.probability} label=${item.category} />
          <p class="route-why muted small" data-route=${item.route} data-reason=${item.reason}>${routeExplained(item)}</p>
        </div>`
        : html`<div class="prediction failed" role="note"><strong>The classification failed.</strong> ${ticket.error ? html`<span class="mono">${ticket.error.error}</span>: ${ticket.error.cause}` : ''} Pick the right category to teach the model.</div>`
    }

    <section aria-labelledby="text-heading">
      <h3 id="text-heading" class="sr-only">Ticket text</h3>
      <${HighlightedText} text=${text} explanation=${explanation} />
      ${explanation.length > 0 && html`<p class="legend muted"><mark class="hl hl-4">highlighted</mark> words drove the prediction; the darker, the stronger.</p>`}
      ${!detail && html`<p class="muted">Loading the full text…</p>`}
    </section>

    ${
      classified &&
      html`<div class="why">
      <section aria-labelledby="alt-heading">
        <h3 id="alt-heading">Top categories</h3>
        <ol class="alternatives">
          ${(ticket.top ?? []).map((t) => html`<li key=${t.category}><span class="alt-name">${t.category}</span><${ProbabilityBar} p=${t.probability} label=${t.category} /></li>`)}
        </ol>
      </section>
      <section aria-labelledby="terms-heading">
        <h3 id="terms-heading">Words that drove it</h3>
        ${
          explanation.length === 0
            ? html`<p class="muted">${detail ? 'No explanation was recorded.' : '…'}</p>`
            : html`<ul class="terms">${explanation.slice(0, 10).map((e) => html`<li key=${e.term}><span class="term">${e.term}</span><span class="term-bar" aria-hidden="true" style=${{ width: `${Math.round((e.weight / maxWeight) * 48) + 4}px` }}></span><span class="muted">${e.weight.toFixed(2)}</span></li>`)}</ul>`
        }
      </section>
    </div>`
    }

    <div class="actions">
      ${classified && html`<button type="button" class="primary" onClick=${onConfirm} aria-keyshortcuts="Enter c">✓ Confirm “${item.category}” <kbd>Enter</kbd></button>`}
      <button type="button" onClick=${onCorrect} aria-keyshortcuts="e">Correct… <kbd>e</kbd></button>
    </div>
    ${
      labels.length > 0 &&
      html`<div class="quick-cats" role="group" aria-label="Pick the right category">
      ${labels.slice(0, 9).map(
        (
          label,
          i,
        ) => html`<button type="button" key=${label} class=${label === item.category ? 'is-predicted' : ''} onClick=${() => onPick(label)} aria-keyshortcuts=${String(i + 1)}>
        <kbd>${i + 1}</kbd> ${label}${label === item.category ? html`<span class="sr-only"> (predicted: confirms)</span>` : ''}
      </button>`,
      )}
    </div>`
    }

    <p class="feedback-state" data-feedback=${f ? f.verdict : 'none'}>
      ${
        f
          ? html`<strong>${feedbackLabel(f)}</strong>${f.pending ? ' (saving…)' : ''}${f.by ? ` by ${f.by}` : ''}${f.at ? `, ${ago(f.at)}` : ''}.`
          : html`<span class="muted">No feedback yet.</span>`
      }
    </p>
  </article>`;
}
