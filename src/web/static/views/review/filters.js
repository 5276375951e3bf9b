/** The queue's filters: kept for the browser tab (sessionStorage), and the API queries they make. */
import { useEffect, useState } from 'preact/hooks';

/**
 * @typedef {object} Filters
 * @property {string} review `first` (all, the ones routed to review first), `only` (routed to review), `confident` (routed automatically)
 * @property {string} category the predicted category, or '' for any
 * @property {string} feedback `none` (not given yet), `given`, `any`
 */

/**
 * One list the queue is read from, and how far: `cursor` is the API's for the next page.
 * @typedef {{ query: Record<string, string | boolean>, cursor: string | undefined }} QueueSource
 */

/** @type {Filters} */
const DEFAULT_FILTERS = { review: 'first', category: '', feedback: 'none' };

/** @returns {Filters} */
function loadFilters() {
  try {
    return { ...DEFAULT_FILTERS, ...JSON.parse(window.sessionStorage.getItem('triage.filters') ?? '{}') };
  } catch {
    return DEFAULT_FILTERS;
  }
}

/**
 * The filters and a setter of one of them; remembered across reloads of the tab.
 * @returns {[Filters, (key: keyof Filters, value: string) => void]}
 */
export function useFilters() {
  const [filters, setFilters] = useState(loadFilters);
  useEffect(() => {
    window.sessionStorage.setItem('triage.filters', JSON.stringify(filters));
  }, [filters]);
  const setFilter = (/** @type {keyof Filters} */ key, /** @type {string} */ value) =>
    setFilters((f) => ({ ...f, [key]: value }));
  return [filters, setFilter];
}

/**
 * The queue is read from these sources in turn: the tickets routed to review first (unless filtered), then
 * those routed automatically, then the failed classifications (they have no route; a person picks their category).
 * @param {Filters} filters
 * @returns {QueueSource[]}
 */
export function sourcesFor(filters) {
  const common = {
    ...(filters.category && { category: filters.category }),
    ...(filters.feedback === 'none' && { hasFeedback: false }),
    ...(filters.feedback === 'given' && { hasFeedback: true }),
  };
  /** @type {Record<string, Record<string, string>[]>} */
  const reviewSources = {
    first: [{ route: 'review' }, { route: 'auto' }, { status: 'failed' }],
    only: [{ route: 'review' }],
    confident: [{ route: 'auto' }],
  };
  const sources = reviewSources[filters.review] ?? reviewSources.first;
  // A failed classification has no predicted category: no use asking for one.
  const wanted = filters.category ? sources.filter((s) => s.status !== 'failed') : sources;
  return wanted.map((source) => ({ query: { ...common, ...source }, cursor: undefined }));
}
