/**
 * The review queue: recent predictions, the ones that need review (low
 * confidence) first. Keyboard-first: j/k move, Enter or c confirms, e opens
 * the category picker, 1-9 pick a category, u undoes, / filters, ? helps.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { api, reviewer } from '../lib/api.js';
import { ago, dateTime, percent } from '../lib/format.js';
import { highlightSegments } from '../lib/highlight.js';
import { href } from '../lib/route.js';
import { Dialog, ErrorNote, Kbd, ProbabilityBar } from '../components/common.js';
import { CategoryPicker } from '../components/category-picker.js';

const PAGE = 50;
const REFRESH_MS = 10_000;

/** The queue is read from these sources in turn (needs review first, unless filtered). */
function sourcesFor(filters) {
  const common = {
    ...(filters.category && { category: filters.category }),
    ...(filters.feedback === 'none' && { hasFeedback: false }),
    ...(filters.feedback === 'given' && { hasFeedback: true }),
  };
  const review = { first: [true, false], only: [true], confident: [false] }[filters.review] ?? [true, false];
  return review.map((needsReview) => ({ query: { ...common, needsReview }, cursor: undefined }));
}

const DEFAULT_FILTERS = { review: 'first', category: '', feedback: 'none' };

function loadFilters() {
  try {
    return { ...DEFAULT_FILTERS, ...JSON.parse(window.sessionStorage.getItem('triage.filters') ?? '{}') };
  } catch {
    return DEFAULT_FILTERS;
  }
}

export const SHORTCUTS = [
  ['j', '↓', 'next ticket'],
  ['k', '↑', 'previous ticket'],
  ['Enter', 'c', 'confirm the predicted category'],
  ['e', null, 'correct: open the category picker (type to filter)'],
  ['1–9', null, 'correct to that category (the predicted one confirms)'],
  ['u', null, 'undo the last confirmation or correction'],
  ['/', null, 'filter the queue by text, id or category'],
  ['r', null, 'reload the queue'],
  ['?', null, 'show these shortcuts'],
  ['Esc', null, 'close a dialog, leave the filter box'],
];

const feedbackLabel = (f) =>
  !f ? '' : f.verdict === 'confirmed' ? `Confirmed ${f.category}` : `Corrected to ${f.category}`;

export function ReviewView() {
  const [filters, setFilters] = useState(loadFilters);
  const [quick, setQuick] = useState('');
  const [queue, setQueue] = useState({ items: [], sources: [], loaded: false });
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState(null);
  const [selectedId, setSelectedId] = useState(null);
  const [details, setDetails] = useState({});
  const [stats, setStats] = useState(null);
  const [labels, setLabels] = useState([]);
  const [undoStack, setUndoStack] = useState([]);
  const [toast, setToast] = useState(null);
  const [pickerOpen, setPickerOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const [newTickets, setNewTickets] = useState(0);
  const [name, setName] = useState(reviewer.get);
  const listRef = useRef(null);
  const quickRef = useRef(null);
  const requestRef = useRef(0);
  const fetching = useRef(new Set());

  useEffect(() => {
    window.sessionStorage.setItem('triage.filters', JSON.stringify(filters));
  }, [filters]);

  // The queue, page by page across its sources.
  const load = useCallback(
    async (reset, current) => {
      const request = reset ? ++requestRef.current : requestRef.current;
      setLoading(true);
      setError(null);
      try {
        let sources = reset ? sourcesFor(filters) : current.sources.map((s) => ({ ...s }));
        const items = reset ? [] : [...current.items];
        const seen = new Set(items.map((i) => i.ticketId));
        let added = 0;
        for (let reads = 0; added < PAGE && sources.length > 0 && reads < 10; reads++) {
          const source = sources[0];
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
          setSelectedId((id) =>
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

  const refreshStats = useCallback(async () => {
    try {
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

  // The categories of the model in service (the picker and the number keys).
  const modelInService = stats?.modelInService;
  useEffect(() => {
    if (!modelInService) return undefined;
    let stop = false;
    api(`/api/models/${encodeURIComponent(modelInService)}`)
      .then(({ model }) => !stop && setLabels([...(model.manifest?.labels ?? model.metrics?.labels ?? [])]))
      .catch(() => {}); // the picker still accepts typed names
    return () => {
      stop = true;
    };
  }, [modelInService]);

  // Counts and new tickets, periodically.
  const live = useRef({});
  useEffect(() => {
    const timer = window.setInterval(async () => {
      refreshStats();
      const { queue: q } = live.current;
      if (!q?.loadedAt) return;
      try {
        const page = await api('/api/predictions', {
          query: { limit: 50, ...(filters.feedback === 'none' && { hasFeedback: false }) },
        });
        const known = new Set(q.items.map((i) => i.ticketId));
        setNewTickets(page.items.filter((i) => !known.has(i.ticketId) && i.classifiedAt > q.loadedAt).length);
      } catch {
        // shown on the next action
      }
    }, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [filters, refreshStats]);

  const visible = useMemo(() => {
    const q = quick.trim().toLowerCase();
    if (!q) return queue.items;
    return queue.items.filter((i) =>
      `${i.ticketId}\n${i.category ?? ''}\n${i.subject ?? ''}\n${i.textPreview ?? ''}`.toLowerCase().includes(q),
    );
  }, [queue.items, quick]);
  const index = visible.findIndex((i) => i.ticketId === selectedId);
  const selected = index >= 0 ? visible[index] : undefined;
  const detail = selected ? details[selected.ticketId] : undefined;
  const remaining = queue.items.filter((i) => !i.feedback).length;

  // Full tickets (text, explanation) for the selected one and the next two.
  useEffect(() => {
    const wanted = [index, index + 1, index + 2]
      .map((i) => visible[i])
      .filter(Boolean)
      .filter((t) => !details[t.ticketId] && !fetching.current.has(t.ticketId));
    for (const t of wanted) {
      fetching.current.add(t.ticketId);
      api(`/api/predictions/${encodeURIComponent(t.ticketId)}`)
        .then(({ ticket }) => setDetails((d) => ({ ...d, [t.ticketId]: ticket })))
        .catch(() => {})
        .finally(() => fetching.current.delete(t.ticketId));
    }
  }, [index, visible]);

  // Keep the selected ticket in view.
  useEffect(() => {
    if (index >= 0) listRef.current?.querySelector(`#q-${index}`)?.scrollIntoView({ block: 'nearest' });
  }, [index]);

  const updateItem = (ticketId, patch) => {
    setQueue((q) => ({ ...q, items: q.items.map((i) => (i.ticketId === ticketId ? { ...i, ...patch } : i)) }));
    setDetails((d) => (d[ticketId] ? { ...d, [ticketId]: { ...d[ticketId], ...patch } } : d));
  };

  const move = (delta) => {
    if (visible.length === 0) return;
    const next = index < 0 ? 0 : Math.max(0, Math.min(visible.length - 1, index + delta));
    setSelectedId(visible[next].ticketId);
  };

  /** After an action: the next ticket without feedback below this one (else the next one). */
  const advance = (fromId) => {
    const at = visible.findIndex((i) => i.ticketId === fromId);
    const after = visible.slice(at + 1).find((i) => !i.feedback && i.ticketId !== fromId);
    const target = after ?? visible[at + 1] ?? visible[at];
    if (target) setSelectedId(target.ticketId);
  };

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
    updateItem(item.ticketId, {
      feedback: { verdict, category: verdict === 'confirmed' ? item.category : category, pending: true },
    });
    advance(item.ticketId);
    const body = {
      verdict,
      ...(verdict === 'corrected' && { category }),
      ...(by && { by }),
      ...(allowNewCategory && { allowNewCategory: true }),
    };
    const saved = api(`/api/predictions/${encodeURIComponent(item.ticketId)}/feedback`, { method: 'PUT', body }).then(
      (result) => result.feedback,
    );
    // On the undo stack at once: an undo pressed while this is still saving waits for it.
    const entry = { ticketId: item.ticketId, saved };
    setUndoStack((s) => [...s.slice(-49), entry]);
    try {
      const feedback = await saved;
      updateItem(item.ticketId, { feedback, feedbackAt: feedback.at });
      setToast({
        kind: 'ok',
        undo: true,
        message: `${verdict === 'confirmed' ? 'Confirmed' : 'Corrected'} ${item.ticketId}: ${feedback.category}${feedback.newCategory ? ' (new category)' : ''}.`,
      });
      refreshStats();
    } catch (e) {
      setUndoStack((s) => s.filter((x) => x !== entry));
      updateItem(item.ticketId, { feedback: previous });
      setSelectedId(item.ticketId);
      setToast({ kind: 'error', message: `Ticket ${item.ticketId}: ${e.message}` });
    }
  };

  const confirm = () => selected && submit(selected, 'confirmed');
  const correctTo = (category, isNew = false) => {
    if (!selected) return;
    setPickerOpen(false);
    if (category === selected.category && selected.status === 'classified') submit(selected, 'confirmed');
    else submit(selected, 'corrected', category, isNew);
    listRef.current?.focus({ preventScroll: true });
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
      const result = await api(`/api/predictions/${encodeURIComponent(last.ticketId)}/feedback`, {
        method: 'DELETE',
        query: { at: given.at },
      });
      updateItem(last.ticketId, { feedback: result.feedback ?? undefined, feedbackAt: result.feedback?.at });
      if (!live.current.queue.items.some((i) => i.ticketId === last.ticketId)) await load(true);
      setSelectedId(last.ticketId);
      setToast({
        kind: 'info',
        message: `Undone: ${last.ticketId} ${result.feedback ? `is back to “${feedbackLabel(result.feedback)}”` : 'has no feedback again'}.`,
      });
      refreshStats();
    } catch (e) {
      setToast({ kind: 'error', message: `Could not undo on ${last.ticketId}: ${e.message}` });
    }
  };

  const pickNumber = (n) => {
    const label = labels[n - 1];
    if (label) correctTo(label);
  };

  live.current = { queue, move, confirm, undo, pickNumber, reload: () => load(true), selected };

  // Shortcuts (not while typing in a field or while a dialog is open).
  useEffect(() => {
    const onKey = (e) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      if (document.querySelector('dialog[open]')) return;
      const t = e.target;
      const tag = t?.tagName ?? '';
      if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || t?.isContentEditable) {
        if (e.key === 'Escape' && t === quickRef.current) {
          listRef.current?.focus();
          e.preventDefault();
        }
        return;
      }
      const onControl = tag === 'BUTTON' || tag === 'A' || tag === 'SUMMARY';
      const l = live.current;
      switch (e.key) {
        case 'j':
        case 'ArrowDown':
          l.move(1);
          break;
        case 'k':
        case 'ArrowUp':
          l.move(-1);
          break;
        case 'Enter':
          if (onControl) return;
          l.confirm();
          break;
        case 'c':
          l.confirm();
          break;
        case 'e':
          if (l.selected) setPickerOpen(true);
          break;
        case 'u':
          l.undo();
          break;
        case '/':
          quickRef.current?.focus();
          quickRef.current?.select();
          break;
        case 'r':
          l.reload();
          break;
        case '?':
          setHelpOpen(true);
          break;
        default:
          if (/^[1-9]$/.test(e.key)) l.pickNumber(Number(e.key));
          else return;
      }
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  // Messages fade after a while (errors stay until dismissed).
  useEffect(() => {
    if (!toast || toast.kind === 'error') return undefined;
    const timer = window.setTimeout(() => setToast((t) => (t === toast ? null : t)), 8_000);
    return () => window.clearTimeout(timer);
  }, [toast]);

  const setFilter = (key, value) => setFilters((f) => ({ ...f, [key]: value }));
  const categories = useMemo(
    () => [...new Set([...labels, ...queue.items.map((i) => i.category).filter(Boolean)])].sort(),
    [labels, queue.items],
  );

  return html`
    <section class="review">
      <div class="page-head">
        <h1 tabindex="-1">Review</h1>
        <${StatsBar} stats=${stats} remaining=${remaining} total=${queue.items.length} />
      </div>

      <form class="toolbar" aria-label="Queue filters" onSubmit=${(e) => e.preventDefault()}>
        <div class="field">
          <label for="f-review">Confidence</label>
          <select id="f-review" value=${filters.review} onChange=${(e) => setFilter('review', e.currentTarget.value)}>
            <option value="first">All, needs review first</option>
            <option value="only">Needs review only</option>
            <option value="confident">Confident only</option>
          </select>
        </div>
        <div class="field">
          <label for="f-category">Predicted category</label>
          <select id="f-category" value=${filters.category} onChange=${(e) => setFilter('category', e.currentTarget.value)}>
            <option value="">Any</option>
            ${categories.map((c) => html`<option key=${c} value=${c}>${c}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for="f-feedback">Feedback</label>
          <select id="f-feedback" value=${filters.feedback} onChange=${(e) => setFilter('feedback', e.currentTarget.value)}>
            <option value="none">Not given yet</option>
            <option value="given">Given</option>
            <option value="any">Any</option>
          </select>
        </div>
        <div class="field grow">
          <label for="quick-filter">Filter <kbd>/</kbd></label>
          <input id="quick-filter" ref=${quickRef} type="search" placeholder="id, category or words" value=${quick} onInput=${(e) => setQuick(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="reviewer-name">Your name</label>
          <input id="reviewer-name" type="text" autocomplete="name" size="10" placeholder="optional" value=${name} onInput=${(
            e,
          ) => {
            setName(e.currentTarget.value);
            reviewer.set(e.currentTarget.value);
          }} />
        </div>
        <div class="field buttons">
          <button type="button" onClick=${() => load(true)} aria-keyshortcuts="r">Reload <kbd>r</kbd></button>
          <button type="button" onClick=${undo} disabled=${undoStack.length === 0} aria-keyshortcuts="u">Undo <kbd>u</kbd></button>
          <button type="button" onClick=${() => setHelpOpen(true)} aria-keyshortcuts="?">Shortcuts <kbd>?</kbd></button>
        </div>
      </form>

      ${newTickets > 0 && html`<p class="notice"><button type="button" class="link" onClick=${() => load(true)}>${newTickets} new ticket${newTickets === 1 ? '' : 's'} arrived: reload the queue</button></p>`}
      <${ErrorNote} error=${error} retry=${() => load(true)} />

      <div class="review-grid">
        <div class="queue-pane">
          <h2 class="pane-title" id="queue-title">Queue <span class="muted">(${visible.length}${quick ? ` of ${queue.items.length}` : ''})</span></h2>
          <ul
            class="queue"
            role="listbox"
            aria-labelledby="queue-title"
            tabindex="0"
            ref=${listRef}
            aria-activedescendant=${index >= 0 ? `q-${index}` : undefined}
          >
            ${visible.map((item, i) => html`<${QueueItem} key=${item.ticketId} item=${item} index=${i} selected=${i === index} onSelect=${() => setSelectedId(item.ticketId)} />`)}
          </ul>
          ${queue.loaded && visible.length === 0 && html`<p class="empty">${quick ? 'No ticket in the queue matches the filter.' : filters.feedback === 'none' ? 'Nothing to review: every ticket here has feedback. 🎉' : 'No tickets match these filters.'}</p>`}
          ${queue.sources.length > 0 && html`<button type="button" class="more" onClick=${() => load(false, queue)} disabled=${loading}>Load more</button>`}
          ${loading && html`<p class="muted" aria-live="polite">Loading…</p>`}
        </div>
        <div class="ticket-pane">
          ${
            selected
              ? html`<${TicketDetail}
                item=${selected}
                detail=${detail}
                labels=${labels}
                position=${index}
                count=${visible.length}
                onConfirm=${confirm}
                onCorrect=${() => setPickerOpen(true)}
                onPick=${correctTo}
                onMove=${move}
              />`
              : html`<p class="empty">${queue.loaded ? 'Select a ticket.' : 'Loading the queue…'}</p>`
          }
        </div>
      </div>

      <p class="shortcut-bar" aria-hidden="true">
        <span><kbd>j</kbd>/<kbd>k</kbd> move</span>
        <span><kbd>Enter</kbd>/<kbd>c</kbd> confirm</span>
        <span><kbd>e</kbd> correct</span>
        <span><kbd>1</kbd>–<kbd>9</kbd> category</span>
        <span><kbd>u</kbd> undo</span>
        <span><kbd>/</kbd> filter</span>
        <span><kbd>?</kbd> all shortcuts</span>
      </p>

      <div class="toast-region" role="status" aria-live="polite">
        ${
          toast &&
          html`<div class=${`toast toast-${toast.kind}`}>
          <span>${toast.message}</span>
          ${toast.undo && undoStack.length > 0 && html`<button type="button" class="link" onClick=${undo}>Undo</button>`}
          <button type="button" class="link" aria-label="Dismiss" onClick=${() => setToast(null)}>✕</button>
        </div>`
        }
      </div>

      <${CategoryPicker}
        open=${pickerOpen}
        labels=${labels}
        predicted=${selected?.category}
        ticketId=${selected?.ticketId}
        onPick=${correctTo}
        onClose=${() => {
          setPickerOpen(false);
          listRef.current?.focus({ preventScroll: true });
        }}
      />
      <${ShortcutsDialog} open=${helpOpen} onClose=${() => setHelpOpen(false)} />
    </section>
  `;
}

function StatsBar({ stats, remaining, total }) {
  return html`<dl class="stats" aria-label="Review counts">
    <div><dt>Reviewed today</dt><dd data-stat="reviewed-today">${stats ? stats.reviewedToday : '—'}</dd></div>
    <div><dt>Agreement</dt><dd data-stat="agreement" title="Share of all feedback that confirmed the prediction">${stats ? percent(stats.agreementRate, 0) : '—'}</dd></div>
    <div><dt>Agreement today</dt><dd data-stat="agreement-today">${stats ? percent(stats.agreementRateToday, 0) : '—'}</dd></div>
    <div><dt>Left in queue</dt><dd data-stat="remaining">${remaining}<span class="muted"> / ${total}</span></dd></div>
  </dl>`;
}

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
      ${item.needsReview && html`<span class="badge badge-warn">Needs review</span>`}
      ${f && html`<span class=${`badge ${f.verdict === 'confirmed' ? 'badge-ok' : 'badge-info'}`}><span aria-hidden="true">${f.verdict === 'confirmed' ? '✓' : '→'}</span> ${feedbackLabel(f)}${f.pending ? '…' : ''}</span>`}
      <span class="muted">${ago(item.classifiedAt)}</span>
    </div>
  </li>`;
}

function HighlightedText({ text, explanation }) {
  const segments = useMemo(() => highlightSegments(text, explanation ?? []), [text, explanation]);
  return html`<div class="ticket-text">${segments.map((s, i) =>
    s.weight === undefined
      ? s.text
      : html`<mark key=${i} class=${`hl hl-${Math.min(4, Math.max(1, Math.ceil(s.weight * 4)))}`} title=${`drove the prediction: ${s.terms.join(', ')}`}>${s.text}</mark>`,
  )}</div>`;
}

function TicketDetail({ item, detail, labels, position, count, onConfirm, onCorrect, onPick, onMove }) {
  const ticket = detail ?? item;
  const text = detail?.text ?? item.textPreview ?? '';
  const explanation = detail?.explanation ?? [];
  const maxWeight = Math.max(0, ...explanation.map((e) => e.weight));
  const f = item.feedback;
  const classified = item.status === 'classified';
  return html`<article class="ticket" aria-labelledby="ticket-heading" data-ticket-id=${item.ticketId} data-loaded=${detail ? 'true' : 'false'}>
    <header class="ticket-head">
      <h2 id="ticket-heading">Ticket <span class="mono">${item.ticketId}</span></h2>
      <div class="ticket-nav">
        <span class="muted">${position + 1} of ${count}</span>
        <button type="button" onClick=${() => onMove(-1)} disabled=${position <= 0} aria-label="Previous ticket (k)">↑ Prev</button>
        <button type="button" onClick=${() => onMove(1)} disabled=${position >= count - 1} aria-label="Next ticket (j)">↓ Next</button>
      </div>
    </header>
    <p class="ticket-meta muted">
      Received ${dateTime(ticket.receivedAt)} · model <span class="mono">${ticket.modelVersion ?? '—'}</span>
      ${ticket.executionName && html` · <a href=${href('runs', ['classify-ticket', ticket.executionName])}>run</a>`}
      ${ticket.truncated ? ' · text was cut to the length limit' : ''}
    </p>

    ${
      classified
        ? html`<div class="prediction">
          <div>
            <span class="label">Predicted</span>
            <strong class="predicted" data-predicted=${item.category}>${item.category}</strong>
            ${item.needsReview && html`<span class="badge badge-warn">Needs review: low confidence</span>`}
          </div>
          <${ProbabilityBar} p=${item.probability} label=${item.category} />
        </div>`
        : html`<div class="prediction failed" role="note"><strong>The classification failed.</strong> ${ticket.error ? html`<span class="mono">${ticket.error.error}</span>: ${ticket.error.cause}` : ''} Pick the right category to teach the model.</div>`
    }

    <section aria-labelledby="text-heading">
      <h3 id="text-heading" class="sr-only">Ticket text</h3>
      <${HighlightedText} text=${text} explanation=${explanation} />
      ${explanation.length > 0 && html`<p class="legend muted"><mark class="hl hl-4">highlighted</mark> words drove the prediction; the darker, the stronger.</p>`}
      ${!detail && html`<p class="muted">Loading the full text…</p>`}
    </section>

    ${
      classified &&
      html`<div class="why">
      <section aria-labelledby="alt-heading">
        <h3 id="alt-heading">Top categories</h3>
        <ol class="alternatives">
          ${(ticket.top ?? []).map((t) => html`<li key=${t.category}><span class="alt-name">${t.category}</span><${ProbabilityBar} p=${t.probability} label=${t.category} /></li>`)}
        </ol>
      </section>
      <section aria-labelledby="terms-heading">
        <h3 id="terms-heading">Words that drove it</h3>
        ${
          explanation.length === 0
            ? html`<p class="muted">${detail ? 'No explanation was recorded.' : '…'}</p>`
            : html`<ul class="terms">${explanation.slice(0, 10).map((e) => html`<li key=${e.term}><span class="term">${e.term}</span><span class="term-bar" aria-hidden="true" style=${{ width: `${Math.round((e.weight / maxWeight) * 48) + 4}px` }}></span><span class="muted">${e.weight.toFixed(2)}</span></li>`)}</ul>`
        }
      </section>
    </div>`
    }

    <div class="actions">
      ${classified && html`<button type="button" class="primary" onClick=${onConfirm} aria-keyshortcuts="Enter c">✓ Confirm “${item.category}” <kbd>Enter</kbd></button>`}
      <button type="button" onClick=${onCorrect} aria-keyshortcuts="e">Correct… <kbd>e</kbd></button>
    </div>
    ${
      labels.length > 0 &&
      html`<div class="quick-cats" role="group" aria-label="Pick the right category">
      ${labels.slice(0, 9).map(
        (
          label,
          i,
        ) => html`<button type="button" key=${label} class=${label === item.category ? 'is-predicted' : ''} onClick=${() => onPick(label)} aria-keyshortcuts=${String(i + 1)}>
        <kbd>${i + 1}</kbd> ${label}${label === item.category ? html`<span class="sr-only"> (predicted: confirms)</span>` : ''}
      </button>`,
      )}
    </div>`
    }

    <p class="feedback-state" data-feedback=${f ? f.verdict : 'none'}>
      ${
        f
          ? html`<strong>${feedbackLabel(f)}</strong>${f.pending ? ' (saving…)' : ''}${f.by ? ` by ${f.by}` : ''}${f.at ? `, ${ago(f.at)}` : ''}.`
          : html`<span class="muted">No feedback yet.</span>`
      }
    </p>
  </article>`;
}

function ShortcutsDialog({ open, onClose }) {
  return html`<${Dialog} open=${open} onClose=${onClose} labelledBy="shortcuts-title" initialFocus="button">
    <h2 id="shortcuts-title">Keyboard shortcuts</h2>
    <table class="shortcuts">
      <thead><tr><th scope="col">Key</th><th scope="col">What it does</th></tr></thead>
      <tbody>
        ${SHORTCUTS.map(([key, alt, what]) => html`<tr key=${key}><td><${Kbd}>${key}<//>${alt && html` or <${Kbd}>${alt}<//>`}</td><td>${what}</td></tr>`)}
      </tbody>
    </table>
    <p class="muted">Shortcuts work whenever the focus is not in a text field. Everything they do is also a button.</p>
    <div class="dialog-actions"><button type="button" onClick=${onClose}>Close</button></div>
  <//>`;
}
