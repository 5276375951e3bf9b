/**
 * @typedef {object} Route
 * @property {string} page
 * @property {string[]} parts
 * @property {Record<string, string>} query
 */

/**
 * Routes live in the URL hash: `#/page/part/part?key=value`.
 * @param {string} hash
 * @returns {Route}
 */
export function parseRoute(hash) {
  const [path, search = ''] = hash.replace(/^#/, '').split('?');
  const parts = path
    .split('/')
    .filter(Boolean)
    .map((p) => decodeURIComponent(p));
  const query = Object.fromEntries(new URLSearchParams(search));
  const page = parts[0] ?? 'review';
  return { page, parts: parts.slice(1), query };
}

/** @typedef {Record<string, string | undefined | null>} RouteQuery */

/** @type {(page: string, parts?: string[], query?: RouteQuery) => string} */
export const href = (page, parts = [], query = {}) => {
  const q = new URLSearchParams(
    /** @type {[string, string][]} */ (
      Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== '')
    ),
  ).toString();
  return `#/${[page, ...parts].map(encodeURIComponent).join('/')}${q ? `?${q}` : ''}`;
};

/**
 * Moves to another route (a new history entry).
 * @type {(page: string, parts?: string[], query?: RouteQuery) => void}
 */
export const go = (page, parts = [], query = {}) => {
  window.location.hash = href(page, parts, query);
};
