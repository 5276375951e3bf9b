/**
 * @import { ComponentChildren, TargetedEvent, TargetedMouseEvent } from 'preact'
 * @import { ReviewReason, Route } from '../lib/api-types.js'
 */
import { useEffect, useRef } from 'preact/hooks';
import { html } from '../lib/html.js';
import { percent } from '../lib/format.js';

/** @type {Record<string, { label: string, icon: string, tone: string }>} */
const STATUS = {
  SUCCEEDED: { label: 'Succeeded', icon: '✓', tone: 'ok' },
  FAILED: { label: 'Failed', icon: '✕', tone: 'bad' },
  RUNNING: { label: 'Running', icon: '●', tone: 'info' },
  TIMED_OUT: { label: 'Timed out', icon: '⏱', tone: 'bad' },
  ABORTED: { label: 'Aborted', icon: '■', tone: 'muted' },
  promoted: { label: 'Promoted', icon: '✓', tone: 'ok' },
  rejected: { label: 'Rejected', icon: '✕', tone: 'warn' },
  candidate: { label: 'Candidate', icon: '…', tone: 'info' },
  failed: { label: 'Failed', icon: '✕', tone: 'bad' },
  skipped: { label: 'Skipped', icon: '–', tone: 'muted' },
  superseded: { label: 'Superseded', icon: '↷', tone: 'warn' },
};

/**
 * A status as text plus an icon and a colour (never colour alone).
 * @param {{ status: string | undefined, label?: string }} props a run's status, a run's outcome or a model's status
 */
export function StatusBadge({ status, label }) {
  const s = (status !== undefined ? STATUS[status] : undefined) ?? { label: status ?? '—', icon: '', tone: 'muted' };
  return html`<span class=${`badge badge-${s.tone}`}><span aria-hidden="true">${s.icon}</span> ${label ?? s.label}</span>`;
}

/** What each review reason means, for people. */
export const REVIEW_REASONS = {
  'low-confidence': {
    label: 'low confidence',
    explained: "its probability is below the threshold fitted for the model's target precision",
  },
  unknown: { label: 'fits no category', explained: 'it looks like none of the categories the model knows' },
};

/**
 * Where a prediction goes: routed automatically, or to review with the reason (text, an icon and a colour).
 * Nothing for a ticket without a route (a failed classification).
 * @param {{ route: Route | undefined, reason: ReviewReason | undefined }} props
 */
export function RouteBadge({ route, reason }) {
  if (route === 'auto')
    return html`<span class="badge badge-muted route" data-route="auto" title="Routed automatically: the model was sure enough for its target precision"><span aria-hidden="true">→</span> Auto</span>`;
  if (route !== 'review') return null;
  const why = REVIEW_REASONS[reason ?? 'low-confidence'] ?? REVIEW_REASONS['low-confidence'];
  return html`<span class="badge badge-warn route" data-route="review" data-reason=${reason ?? 'low-confidence'} title=${`Sent to review: ${why.explained}`}><span aria-hidden="true">?</span> Review: ${why.label}</span>`;
}

/**
 * A probability as a bar with its figure.
 * @param {{ p: number | undefined, label?: string }} props
 */
export function ProbabilityBar({ p, label }) {
  const width = `${Math.max(0, Math.min(1, p ?? 0)) * 100}%`;
  return html`<span class="prob" title=${label ? `${label}: ${percent(p)}` : percent(p)}>
    <span class="prob-track" aria-hidden="true"><span class="prob-fill" style=${{ width }}></span></span>
    <span class="prob-figure">${percent(p)}</span>
  </span>`;
}

/**
 * An error the page met (the API's message), with a way to try again.
 * @param {{ error: unknown, retry?: () => unknown }} props
 */
export function ErrorNote({ error, retry }) {
  if (!error) return null;
  return html`<div class="error-note" role="alert"><strong>Something went wrong.</strong> ${/** @type {Error} */ (error).message ?? String(error)} ${retry && html`<button type="button" class="link" onClick=${retry}>Try again</button>`}</div>`;
}

/**
 * A modal dialog (the native <dialog>: focus is kept inside, Escape closes it).
 * `onClose` is called when the person closes it; `open` drives it; `initialFocus` is
 * a selector of what gets the focus when it opens.
 * @param {{
 *   open: boolean,
 *   onClose: () => void,
 *   labelledBy: string,
 *   className?: string,
 *   children?: ComponentChildren,
 *   initialFocus?: string,
 * }} props
 */
export function Dialog({ open, onClose, labelledBy, className = '', children, initialFocus }) {
  const ref = useRef(/** @type {HTMLDialogElement | null} */ (null));
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      if (initialFocus) /** @type {HTMLElement | null} */ (dialog.querySelector(initialFocus))?.focus();
    } else if (!open && dialog.open) dialog.close();
  }, [open]);
  return html`<dialog
    ref=${ref}
    class=${`dialog ${className}`}
    aria-labelledby=${labelledBy}
    onCancel=${(/** @type {TargetedEvent<HTMLDialogElement>} */ e) => {
      e.preventDefault();
      onClose();
    }}
    onClick=${(/** @type {TargetedMouseEvent<HTMLDialogElement>} */ e) => {
      if (e.target === ref.current) onClose();
    }}
  >${open ? children : null}</dialog>`;
}

/** A key, as on the keyboard. */
export const Kbd = (/** @type {{ children?: ComponentChildren }} */ { children }) => html`<kbd>${children}</kbd>`;
