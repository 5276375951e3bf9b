/** The queue's filters: kept for the browser tab (sessionStorage), and the API queries they make. */
import { useEffect, useState } from 'preact/hooks';

/**
 * @typedef {object} Filters
 * @property {string} review `first` (all, needs review first), `only` (needs review), `confident`
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
 * The queue is read from these sources in turn (needs review first, unless filtered).
 * @param {Filters} filters
 * @returns {QueueSource[]}
 */
export function sourcesFor(filters) {
  const common = {
    ...(filters.category && { category: filters.category }),
    ...(filters.feedback === 'none' && { hasFeedback: false }),
    ...(filters.feedback === 'given' && { hasFeedback: true }),
  };
  /** @type {Record<string, boolean[]>} */
  const reviewSources = { first: [true, false], only: [true], confident: [false] };
  const review = reviewSources[filters.review] ?? [true, false];
  return review.map((needsReview) => ({ query: { ...common, needsReview }, cursor: undefined }));
}
