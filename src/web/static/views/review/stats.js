/** The live counts (reviewed today, agreement, left in the queue), the model in service's categories, new tickets. */
/**
 * @import { ModelDetail, PredictionsPage, ReviewStats } from '../../lib/api-types.js'
 * @import { Filters } from './filters.js'
 * @import { Queue } from './queue.js'
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../../lib/html.js';
import { api } from '../../lib/api.js';
import { percent } from '../../lib/format.js';

const REFRESH_MS = 10_000;

/** `GET /api/stats`, read once and again on `refreshStats()`. */
export function useReviewStats() {
  const [stats, setStats] = useState(/** @type {ReviewStats | null} */ (null));
  const refreshStats = useCallback(async () => {
    try {
      /** @type {ReviewStats} */
      const s = await api('/api/stats');
      setStats(s);
      return s;
    } catch {
      return undefined;
    }
  }, []);
  useEffect(() => {
    refreshStats();
  }, [refreshStats]);
  return { stats, refreshStats };
}

/**
 * The categories of the model in service (the picker and the number keys).
 * @param {string | null | undefined} modelInService
 */
export function useModelLabels(modelInService) {
  const [labels, setLabels] = useState(/** @type {string[]} */ ([]));
  useEffect(() => {
    if (!modelInService) return undefined;
    let stop = false;
    /** @type {Promise<{ model: ModelDetail }>} */ (api(`/api/models/${encodeURIComponent(modelInService)}`))
      .then(({ model }) => !stop && setLabels([...(model.manifest?.labels ?? model.metrics?.labels ?? [])]))
      .catch(() => {}); // the picker still accepts typed names
    return () => {
      stop = true;
    };
  }, [modelInService]);
  return labels;
}

/**
 * Every 10 s: the counts again, and how many tickets were classified since
 * the queue was loaded that are not in it (`onNewTickets`).
 * @param {{
 *   filters: Filters,
 *   queue: Queue,
 *   refreshStats: () => Promise<unknown>,
 *   onNewTickets: (count: number) => void,
 * }} live
 */
export function useLiveUpdates({ filters, queue, refreshStats, onNewTickets }) {
  const latest = useRef(queue);
  latest.current = queue;
  useEffect(() => {
    const timer = window.setInterval(async () => {
      refreshStats();
      const q = latest.current;
      if (!q?.loadedAt) return;
      try {
        /** @type {PredictionsPage} */
        const page = await api('/api/predictions', {
          query: { limit: 50, ...(filters.feedback === 'none' && { hasFeedback: false }) },
        });
        const known = new Set(q.items.map((i) => i.ticketId));
        onNewTickets(
          page.items.filter((i) => !known.has(i.ticketId) && i.classifiedAt > /** @type {string} */ (q.loadedAt))
            .length,
        );
      } catch {
        // shown on the next action
      }
    }, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [filters, refreshStats]);
}

/** @param {{ stats: ReviewStats | null, remaining: number, total: number }} props */
export function StatsBar({ stats, remaining, total }) {
  return html`<dl class="stats" aria-label="Review counts">
    <div><dt>Reviewed today</dt><dd data-stat="reviewed-today">${stats ? stats.reviewedToday : '—'}</dd></div>
    <div><dt>Agreement</dt><dd data-stat="agreement" title="Share of all feedback that confirmed the prediction">${stats ? percent(stats.agreementRate, 0) : '—'}</dd></div>
    <div><dt>Agreement today</dt><dd data-stat="agreement-today">${stats ? percent(stats.agreementRateToday, 0) : '—'}</dd></div>
    <div><dt>Left in queue</dt><dd data-stat="remaining">${remaining}<span class="muted"> / ${total}</span></dd></div>
  </dl>`;
}
