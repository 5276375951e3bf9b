/** The review queue: loaded page by page across its sources, and drawn as a listbox. */
/**
 * @import { RefObject } from 'preact'
 * @import { Dispatch, StateUpdater } from 'preact/hooks'
 * @import { PredictionsPage, TicketSummary } from '../../lib/api-types.js'
 * @import { Filters, QueueSource } from './filters.js'
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../../lib/html.js';
import { api } from '../../lib/api.js';
import { ago, percent } from '../../lib/format.js';
import { RouteBadge } from '../../components/common.js';
import { feedbackLabel } from './feedback.js';
import { sourcesFor } from './filters.js';

const PAGE = 50;

/**
 * The queue as loaded: its tickets, the sources with more to read, when it was loaded.
 * @typedef {{ items: TicketSummary[], sources: QueueSource[], loaded: boolean, loadedAt?: string }} Queue
 */

/**
 * The queue for these filters. A reload (a reset) keeps the selected ticket
 * when it is still in the queue, else selects the first one without feedback
 * (`select` is a state setter). Only the latest reload's answer is kept.
 * @param {Filters} filters
 * @param {Dispatch<StateUpdater<string | null>>} select
 */
export function useQueue(filters, select) {
  const [queue, setQueue] = useState(/** @type {Queue} */ ({ items: [], sources: [], loaded: false }));
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState(/** @type {unknown} */ (null));
  const [newTickets, setNewTickets] = useState(0);
  const requestRef = useRef(0);
  const latest = useRef(queue);
  latest.current = queue;

  const load = useCallback(
    /**
     * @param {boolean} reset from the first page (else: more of `current`)
     * @param {Queue} [current]
     */
    async (reset, current) => {
      const request = reset ? ++requestRef.current : requestRef.current;
      setLoading(true);
      setError(null);
      try {
        let sources = reset ? sourcesFor(filters) : /** @type {Queue} */ (current).sources.map((s) => ({ ...s }));
        const items = reset ? [] : [.../** @type {Queue} */ (current).items];
        const seen = new Set(items.map((i) => i.ticketId));
        let added = 0;
        for (let reads = 0; added < PAGE && sources.length > 0 && reads < 10; reads++) {
          const source = sources[0];
          /** @type {PredictionsPage} */
          const page = await api('/api/predictions', {
            query: { ...source.query, limit: PAGE, cursor: source.cursor },
          });
          for (const item of page.items) {
            if (seen.has(item.ticketId)) continue;
            seen.add(item.ticketId);
            items.push(item);
            added++;
          }
          if (page.cursor) sources = [{ ...source, cursor: page.cursor }, ...sources.slice(1)];
          else sources = sources.slice(1);
        }
        if (request !== requestRef.current) return;
        setQueue({ items, sources, loaded: true, loadedAt: new Date().toISOString() });
        if (reset) {
          setNewTickets(0);
          select((id) =>
            items.some((i) => i.ticketId === id)
              ? id
              : (items.find((i) => !i.feedback)?.ticketId ?? items[0]?.ticketId ?? null),
          );
        }
      } catch (e) {
        if (request === requestRef.current) setError(e);
      } finally {
        if (request === requestRef.current) setLoading(false);
      }
    },
    [filters],
  );

  useEffect(() => {
    load(true);
  }, [load]);

  return {
    queue,
    loading,
    error,
    /** Tickets classified since the queue was loaded (counted by `useLiveUpdates`). */
    newTickets,
    setNewTickets,
    reload: () => load(true),
    loadMore: () => load(false, queue),
    /** Whether the ticket is in the queue as last rendered. */
    has: (/** @type {string} */ ticketId) => latest.current.items.some((i) => i.ticketId === ticketId),
    /** Changes one ticket of the queue in place (its feedback). */
    patchItem: (/** @type {string} */ ticketId, /** @type {Partial<TicketSummary>} */ patch) =>
      setQueue((q) => ({ ...q, items: q.items.map((i) => (i.ticketId === ticketId ? { ...i, ...patch } : i)) })),
  };
}

/**
 * The queue pane: the visible tickets as a listbox, Load more while there are more.
 * @param {{
 *   queue: Queue,
 *   visible: TicketSummary[],
 *   index: number,
 *   quick: string,
 *   filters: Filters,
 *   loading: boolean,
 *   listRef: RefObject<HTMLUListElement | null>,
 *   onSelect: (ticketId: string) => void,
 *   onLoadMore: () => void,
 * }} props `visible`: the queue narrowed by the quick filter; `index`: the selected one's
 */
export function QueuePane({ queue, visible, index, quick, filters, loading, listRef, onSelect, onLoadMore }) {
  return html`<div class="queue-pane">
    <h2 class="pane-title" id="queue-title">Queue <span class="muted">(${visible.length}${quick ? ` of ${queue.items.length}` : ''})</span></h2>
    <ul
      class="queue"
      role="listbox"
      aria-labelledby="queue-title"
      tabindex="0"
      ref=${listRef}
      aria-activedescendant=${index >= 0 ? `q-${index}` : undefined}
    >
      ${visible.map((item, i) => html`<${QueueItem} key=${item.ticketId} item=${item} index=${i} selected=${i === index} onSelect=${() => onSelect(item.ticketId)} />`)}
    </ul>
    ${queue.loaded && visible.length === 0 && html`<p class="empty">${quick ? 'No ticket in the queue matches the filter.' : filters.feedback === 'none' ? 'Nothing to review: every ticket here has feedback. 🎉' : 'No tickets match these filters.'}</p>`}
    ${queue.sources.length > 0 && html`<button type="button" class="more" onClick=${onLoadMore} disabled=${loading}>Load more</button>`}
    ${loading && html`<p class="muted" aria-live="polite">Loading…</p>`}
  </div>`;
}

/** @param {{ item: TicketSummary, index: number, selected: boolean, onSelect: () => void }} props */
function QueueItem({ item, index, selected, onSelect }) {
  const f = item.feedback;
  return html`<li
    id=${`q-${index}`}
    role="option"
    aria-selected=${selected}
    class=${`queue-item${selected ? ' selected' : ''}${f ? ' done' : ''}`}
    data-ticket-id=${item.ticketId}
    onClick=${onSelect}
  >
    <div class="qi-top">
      <span class="qi-id">${item.ticketId}</span>
      ${
        item.status === 'failed'
          ? html`<span class="badge badge-bad">Failed</span>`
          : html`<span class="qi-cat">${item.category} <span class="muted">${percent(item.probability, 0)}</span></span>`
      }
    </div>
    <div class="qi-preview">${item.textPreview}</div>
    <div class="qi-meta">
      <${RouteBadge} route=${item.route} reason=${item.reason} />
      ${f && html`<span class=${`badge ${f.verdict === 'confirmed' ? 'badge-ok' : 'badge-info'}`}><span aria-hidden="true">${f.verdict === 'confirmed' ? '✓' : '→'}</span> ${feedbackLabel(f)}${f.pending ? '…' : ''}</span>`}
      <span class="muted">${ago(item.classifiedAt)}</span>
    </div>
  </li>`;
}
