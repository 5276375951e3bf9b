/** The queue's filters: kept for the browser tab (sessionStorage), and the API queries they make. */
import { useEffect, useState } from 'preact/hooks';

const DEFAULT_FILTERS = { review: 'first', category: '', feedback: 'none' };

function loadFilters() {
  try {
    return { ...DEFAULT_FILTERS, ...JSON.parse(window.sessionStorage.getItem('triage.filters') ?? '{}') };
  } catch {
    return DEFAULT_FILTERS;
  }
}

/** The filters and a setter of one of them; remembered across reloads of the tab. */
export function useFilters() {
  const [filters, setFilters] = useState(loadFilters);
  useEffect(() => {
    window.sessionStorage.setItem('triage.filters', JSON.stringify(filters));
  }, [filters]);
  const setFilter = (key, value) => setFilters((f) => ({ ...f, [key]: value }));
  return [filters, setFilter];
}

/** The queue is read from these sources in turn (needs review first, unless filtered). */
export function sourcesFor(filters) {
  const common = {
    ...(filters.category && { category: filters.category }),
    ...(filters.feedback === 'none' && { hasFeedback: false }),
    ...(filters.feedback === 'given' && { hasFeedback: true }),
  };
  const review = { first: [true, false], only: [true], confident: [false] }[filters.review] ?? [true, false];
  return review.map((needsReview) => ({ query: { ...common, needsReview }, cursor: undefined }));
}
