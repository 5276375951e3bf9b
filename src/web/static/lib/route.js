/** Routes live in the URL hash: `#/page/part/part?key=value`. */
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

export const href = (page, parts = [], query = {}) => {
  const q = new URLSearchParams(
    Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== ''),
  ).toString();
  return `#/${[page, ...parts].map(encodeURIComponent).join('/')}${q ? `?${q}` : ''}`;
};

/** Moves to another route (a new history entry). */
export const go = (page, parts = [], query = {}) => {
  window.location.hash = href(page, parts, query);
};
