/**
 * The review queue: recent predictions, the ones routed to review (low
 * confidence, or fitting no category) first, each with its route. Keyboard-first: j/k move, Enter or c confirms, e opens
 * the category picker, 1-9 pick a category, u undoes, / filters, ? helps.
 * Its parts live in `./review/`: each hook owns one concern (filters, queue,
 * selection, ticket details, counts, feedback and undo, shortcuts, messages).
 */
/** @import { TicketSummary } from '../lib/api-types.js' */
import { useRef, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { ErrorNote } from '../components/common.js';
import { CategoryPicker } from '../components/category-picker.js';
import { useFeedback, useReviewerName } from './review/feedback.js';
import { useFilters } from './review/filters.js';
import { QueuePane, useQueue } from './review/queue.js';
import { useSelection } from './review/selection.js';
import { ShortcutsDialog, useReviewShortcuts } from './review/shortcuts.js';
import { StatsBar, useLiveUpdates, useModelLabels, useReviewStats } from './review/stats.js';
import { TicketDetail, useTicketDetails } from './review/ticket-detail.js';
import { Toast, useToast } from './review/toast.js';
import { ReviewToolbar } from './review/toolbar.js';

export function ReviewView() {
  const [filters, setFilter] = useFilters();
  const [quick, setQuick] = useState('');
  const [selectedId, select] = useState(/** @type {string | null} */ (null));
  const queue = useQueue(filters, select);
  const { stats, refreshStats } = useReviewStats();
  const labels = useModelLabels(stats?.modelInService);
  useLiveUpdates({ filters, queue: queue.queue, refreshStats, onNewTickets: queue.setNewTickets });
  const [toast, setToast] = useToast();
  const [pickerOpen, setPickerOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const [name, setName] = useReviewerName();
  const listRef = useRef(/** @type {HTMLUListElement | null} */ (null));
  const quickRef = useRef(/** @type {HTMLInputElement | null} */ (null));

  const items = queue.queue.items;
  const { visible, index, selected, move, advance } = useSelection({ items, quick, selectedId, select, listRef });
  const { details, patchDetail } = useTicketDetails(visible, index);
  const detail = selected ? details[selected.ticketId] : undefined;
  const remaining = items.filter((i) => !i.feedback).length;

  const patch = (/** @type {string} */ ticketId, /** @type {Partial<TicketSummary>} */ fields) => {
    queue.patchItem(ticketId, fields);
    patchDetail(ticketId, fields);
  };
  const { submit, undo, canUndo } = useFeedback({ name, patch, advance, select, queue, refreshStats, setToast });

  const confirm = () => selected && submit(selected, 'confirmed');
  const correctTo = (/** @type {string} */ category, isNew = false) => {
    if (!selected) return;
    setPickerOpen(false);
    if (category === selected.category && selected.status === 'classified') submit(selected, 'confirmed');
    else submit(selected, 'corrected', category, isNew);
    listRef.current?.focus({ preventScroll: true });
  };

  useReviewShortcuts({
    listRef,
    quickRef,
    actions: {
      move,
      confirm,
      correct: () => selected && setPickerOpen(true),
      undo,
      reload: queue.reload,
      help: () => setHelpOpen(true),
      pickNumber: (n) => {
        const label = labels[n - 1];
        if (label) correctTo(label);
      },
    },
  });

  return html`
    <section class="review">
      <div class="page-head">
        <h1 tabindex="-1">Review</h1>
        <${StatsBar} stats=${stats} remaining=${remaining} total=${items.length} />
      </div>

      <${ReviewToolbar}
        filters=${filters}
        setFilter=${setFilter}
        labels=${labels}
        items=${items}
        quick=${quick}
        setQuick=${setQuick}
        quickRef=${quickRef}
        name=${name}
        setName=${setName}
        canUndo=${canUndo}
        onReload=${queue.reload}
        onUndo=${undo}
        onHelp=${() => setHelpOpen(true)}
      />

      ${queue.newTickets > 0 && html`<p class="notice"><button type="button" class="link" onClick=${queue.reload}>${queue.newTickets} new ticket${queue.newTickets === 1 ? '' : 's'} arrived: reload the queue</button></p>`}
      <${ErrorNote} error=${queue.error} retry=${queue.reload} />

      <div class="review-grid">
        <${QueuePane}
          queue=${queue.queue}
          visible=${visible}
          index=${index}
          quick=${quick}
          filters=${filters}
          loading=${queue.loading}
          listRef=${listRef}
          onSelect=${select}
          onLoadMore=${queue.loadMore}
        />
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
              : html`<p class="empty">${queue.queue.loaded ? 'Select a ticket.' : 'Loading the queue…'}</p>`
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

      <${Toast} toast=${toast} canUndo=${canUndo} onUndo=${undo} onDismiss=${() => setToast(null)} />

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
