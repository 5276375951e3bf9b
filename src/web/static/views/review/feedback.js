/** Giving feedback from the page: verdicts saved in the background, and undo (up to 50 back). */
/**
 * @import { Feedback, FeedbackSaved, FeedbackUndone, ShownFeedback, TicketSummary, Verdict } from '../../lib/api-types.js'
 * @import { ToastMessage } from './toast.js'
 */
import { useState } from 'preact/hooks';
import { api, reviewer } from '../../lib/api.js';

const UNDO_LIMIT = 50;

export const feedbackLabel = (/** @type {ShownFeedback | null | undefined} */ f) =>
  !f ? '' : f.verdict === 'confirmed' ? `Confirmed ${f.category}` : `Corrected to ${f.category}`;

/**
 * The reviewer's name (optional), remembered in this browser and sent as `by`.
 * @returns {[string, (name: string) => void]}
 */
export function useReviewerName() {
  const [name, setName] = useState(reviewer.get);
  const rename = (/** @type {string} */ value) => {
    setName(value);
    reviewer.set(value);
  };
  return [name, rename];
}

/**
 * `submit` shows a verdict at once, selects the next ticket and saves it in
 * the background; a refused save is rolled back with a message. `undo` takes
 * back the last verdict (waiting for its save if that is still in flight):
 * the one it replaced is current again, or none.
 * @param {{
 *   name: string,
 *   patch: (ticketId: string, fields: Partial<TicketSummary>) => void,
 *   advance: (fromTicketId: string) => void,
 *   select: (ticketId: string) => void,
 *   queue: { has: (ticketId: string) => boolean, reload: () => Promise<void> },
 *   refreshStats: () => Promise<unknown>,
 *   setToast: (toast: ToastMessage) => void,
 * }} deps `name`: the reviewer's; `patch` changes a ticket where the page shows it; `queue` reloads
 */
export function useFeedback({ name, patch, advance, select, queue, refreshStats, setToast }) {
  const [undoStack, setUndoStack] = useState(/** @type {{ ticketId: string, saved: Promise<Feedback> }[]} */ ([]));

  /**
   * @param {TicketSummary | undefined} item
   * @param {Verdict} verdict
   * @param {string} [category] the right one, when correcting
   */
  const submit = async (item, verdict, category, allowNewCategory = false) => {
    if (!item) return;
    if (verdict === 'confirmed' && item.status !== 'classified') {
      setToast({
        kind: 'error',
        message: `Ticket ${item.ticketId} was not classified, so there is nothing to confirm: pick the right category (e).`,
      });
      return;
    }
    const previous = item.feedback;
    const by = name.trim();
    patch(item.ticketId, {
      feedback: { verdict, category: verdict === 'confirmed' ? item.category : category, pending: true },
    });
    advance(item.ticketId);
    const body = {
      verdict,
      ...(verdict === 'corrected' && { category }),
      ...(by && { by }),
      ...(allowNewCategory && { allowNewCategory: true }),
    };
    const saved = /** @type {Promise<FeedbackSaved>} */ (
      api(`/api/predictions/${encodeURIComponent(item.ticketId)}/feedback`, { method: 'PUT', body })
    ).then((result) => result.feedback);
    // On the undo stack at once: an undo pressed while this is still saving waits for it.
    const entry = { ticketId: item.ticketId, saved };
    setUndoStack((s) => [...s.slice(-(UNDO_LIMIT - 1)), entry]);
    try {
      const feedback = await saved;
      patch(item.ticketId, { feedback, feedbackAt: feedback.at });
      setToast({
        kind: 'ok',
        undo: true,
        message: `${verdict === 'confirmed' ? 'Confirmed' : 'Corrected'} ${item.ticketId}: ${feedback.category}${feedback.newCategory ? ' (new category)' : ''}.`,
      });
      refreshStats();
    } catch (e) {
      setUndoStack((s) => s.filter((x) => x !== entry));
      patch(item.ticketId, { feedback: previous });
      select(item.ticketId);
      setToast({ kind: 'error', message: `Ticket ${item.ticketId}: ${/** @type {Error} */ (e).message}` });
    }
  };

  const undo = async () => {
    const last = undoStack.at(-1);
    if (!last) {
      setToast({ kind: 'info', message: 'Nothing to undo.' });
      return;
    }
    setUndoStack((s) => s.filter((x) => x !== last));
    try {
      const given = await last.saved.catch(() => null);
      if (!given) return; // it was never saved: nothing to take back
      /** @type {FeedbackUndone} */
      const result = await api(`/api/predictions/${encodeURIComponent(last.ticketId)}/feedback`, {
        method: 'DELETE',
        query: { at: given.at },
      });
      patch(last.ticketId, { feedback: result.feedback ?? undefined, feedbackAt: result.feedback?.at });
      if (!queue.has(last.ticketId)) await queue.reload();
      select(last.ticketId);
      setToast({
        kind: 'info',
        message: `Undone: ${last.ticketId} ${result.feedback ? `is back to “${feedbackLabel(result.feedback)}”` : 'has no feedback again'}.`,
      });
      refreshStats();
    } catch (e) {
      setToast({ kind: 'error', message: `Could not undo on ${last.ticketId}: ${/** @type {Error} */ (e).message}` });
    }
  };

  return { submit, undo, canUndo: undoStack.length > 0 };
}
