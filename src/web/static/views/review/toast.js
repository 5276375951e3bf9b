/** The page's messages, bottom right: they fade after 8 s, except errors, which stay until dismissed. */
/** @import { Dispatch, StateUpdater } from 'preact/hooks' */
import { useEffect, useState } from 'preact/hooks';
import { html } from '../../lib/html.js';

const FADE_MS = 8_000;

/**
 * A message; `undo`: it offers to undo what it reports.
 * @typedef {{ kind: 'ok' | 'info' | 'error', message: string, undo?: boolean }} ToastMessage
 */

/**
 * The message shown, and its setter (`null` dismisses it).
 * @returns {[ToastMessage | null, Dispatch<StateUpdater<ToastMessage | null>>]}
 */
export function useToast() {
  const [toast, setToast] = useState(/** @type {ToastMessage | null} */ (null));
  useEffect(() => {
    if (!toast || toast.kind === 'error') return undefined;
    const timer = window.setTimeout(() => setToast((t) => (t === toast ? null : t)), FADE_MS);
    return () => window.clearTimeout(timer);
  }, [toast]);
  return [toast, setToast];
}

/** The live region of the messages; a message that offers undo has an Undo button while there is one to undo. */
/** @param {{ toast: ToastMessage | null, canUndo: boolean, onUndo: () => void, onDismiss: () => void }} props */
export function Toast({ toast, canUndo, onUndo, onDismiss }) {
  return html`<div class="toast-region" role="status" aria-live="polite">
    ${
      toast &&
      html`<div class=${`toast toast-${toast.kind}`}>
      <span>${toast.message}</span>
      ${toast.undo && canUndo && html`<button type="button" class="link" onClick=${onUndo}>Undo</button>`}
      <button type="button" class="link" aria-label="Dismiss" onClick=${onDismiss}>✕</button>
    </div>`
    }
  </div>`;
}
