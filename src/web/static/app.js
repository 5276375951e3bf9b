/**
 * ticket-triage's web page: review predictions, watch workflow runs, see the
 * models. Preact + htm as plain ES modules (no build step); every piece of
 * data comes from the review API under /api/. Routes live in the URL hash:
 *   #/review   #/runs?workflow=&status=   #/runs/<workflow>/<execution>   #/models/<version>?
 */
/** @import { TargetedMouseEvent } from 'preact' */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from './lib/html.js';
import { parseRoute } from './lib/route.js';
import { ReviewView } from './views/review.js';
import { RunsView } from './views/runs.js';
import { RunView } from './views/run.js';
import { ModelsView } from './views/models.js';
import { Account, NoRole, SignedOut, SignInFailed } from './components/account.js';
import { can, startSession } from './lib/session.js';

function useRoute() {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

const PAGES = [
  { page: 'review', label: 'Review' },
  { page: 'runs', label: 'Runs' },
  { page: 'models', label: 'Models' },
];

function App() {
  const route = useRoute();
  const title =
    { review: 'Review', runs: route.parts.length ? 'Run' : 'Runs', models: 'Models' }[route.page] ?? 'Not found';
  useEffect(() => {
    document.title = `${title} · ticket-triage`;
  }, [title]);
  useEffect(() => {
    // After navigating, put focus on the new page's heading (screen readers announce it).
    /** @type {HTMLElement | null} */ (document.querySelector('main h1'))?.focus({ preventScroll: true });
  }, [route.page, route.parts.join('/')]);

  let view;
  if (!can('review')) view = html`<${NoRole} />`;
  else if (route.page === 'review') view = html`<${ReviewView} />`;
  else if (route.page === 'runs' && route.parts.length >= 2)
    view = html`<${RunView} workflow=${route.parts[0]} name=${route.parts[1]} />`;
  else if (route.page === 'runs') view = html`<${RunsView} query=${route.query} />`;
  else if (route.page === 'models') view = html`<${ModelsView} version=${route.parts[0]} />`;
  else
    view = html`<section><h1 tabindex="-1">Not found</h1><p>There is no page at <code>${window.location.hash}</code>. <a href="#/review">Go to the review queue</a>.</p></section>`;

  return html`
    <a class="skip-link" href="#main" onClick=${(/** @type {TargetedMouseEvent<HTMLAnchorElement>} */ e) => {
      e.preventDefault();
      document.getElementById('main')?.focus();
    }}>Skip to content</a>
    <header class="topbar">
      <a class="brand" href="#/review"><img src="/favicon.svg" alt="" width="22" height="22" /> ticket-triage</a>
      <nav aria-label="Pages">
        <ul>
          ${PAGES.map((p) => html`<li key=${p.page}><a href=${`#/${p.page}`} aria-current=${route.page === p.page ? 'page' : undefined}>${p.label}</a></li>`)}
        </ul>
      </nav>
      <${Account} />
    </header>
    <main id="main" tabindex="-1">${view}</main>
  `;
}

/** Signs in first when the page's config asks for it (lib/session.js), then shows the app. */
async function start() {
  const root = /** @type {HTMLElement} */ (document.getElementById('app'));
  /** @type {Awaited<ReturnType<typeof startSession>>} */
  const started = await startSession().catch((error) => ({ state: 'error', message: String(error?.message ?? error) }));
  if (started.state === 'ready') render(html`<${App} />`, root);
  else if (started.state === 'signed-out') render(html`<${SignedOut} />`, root);
  else if (started.state === 'error') render(html`<${SignInFailed} message=${started.message} />`, root);
  // 'redirecting': the browser is on its way to the sign-in page.
}

start();
