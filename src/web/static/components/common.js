import { useEffect, useRef } from 'preact/hooks';
import { html } from '../lib/html.js';
import { percent } from '../lib/format.js';

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

/** A status as text plus an icon and a colour (never colour alone). */
export function StatusBadge({ status, label }) {
  const s = STATUS[status] ?? { label: status ?? '—', icon: '', tone: 'muted' };
  return html`<span class=${`badge badge-${s.tone}`}><span aria-hidden="true">${s.icon}</span> ${label ?? s.label}</span>`;
}

/** A probability as a bar with its figure. */
export function ProbabilityBar({ p, label }) {
  const width = `${Math.max(0, Math.min(1, p ?? 0)) * 100}%`;
  return html`<span class="prob" title=${label ? `${label}: ${percent(p)}` : percent(p)}>
    <span class="prob-track" aria-hidden="true"><span class="prob-fill" style=${{ width }}></span></span>
    <span class="prob-figure">${percent(p)}</span>
  </span>`;
}

export function ErrorNote({ error, retry }) {
  if (!error) return null;
  return html`<div class="error-note" role="alert"><strong>Something went wrong.</strong> ${error.message ?? String(error)} ${retry && html`<button type="button" class="link" onClick=${retry}>Try again</button>`}</div>`;
}

/**
 * A modal dialog (the native <dialog>: focus is kept inside, Escape closes it).
 * `onClose` is called when the person closes it; `open` drives it.
 */
export function Dialog({ open, onClose, labelledBy, className = '', children, initialFocus }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      if (initialFocus) dialog.querySelector(initialFocus)?.focus();
    } else if (!open && dialog.open) dialog.close();
  }, [open]);
  return html`<dialog
    ref=${ref}
    class=${`dialog ${className}`}
    aria-labelledby=${labelledBy}
    onCancel=${(e) => {
      e.preventDefault();
      onClose();
    }}
    onClick=${(e) => {
      if (e.target === ref.current) onClose();
    }}
  >${open ? children : null}</dialog>`;
}

export const Kbd = ({ children }) => html`<kbd>${children}</kbd>`;
