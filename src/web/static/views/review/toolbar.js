/** The review toolbar: the queue's filters, the quick text filter, the reviewer's name, and the buttons. */
/**
 * @import { RefObject, TargetedEvent, TargetedInputEvent } from 'preact'
 * @import { TicketSummary } from '../../lib/api-types.js'
 * @import { Filters } from './filters.js'
 */
import { useMemo } from 'preact/hooks';
import { html } from '../../lib/html.js';
import { session } from '../../lib/session.js';

/**
 * @param {{
 *   filters: Filters,
 *   setFilter: (key: keyof Filters, value: string) => void,
 *   labels: string[],
 *   items: TicketSummary[],
 *   quick: string,
 *   setQuick: (text: string) => void,
 *   quickRef: RefObject<HTMLInputElement | null>,
 *   name: string,
 *   setName: (name: string) => void,
 *   canUndo: boolean,
 *   onReload: () => void,
 *   onUndo: () => void,
 *   onHelp: () => void,
 * }} props `labels` and the queue's `items` make the category filter's choices
 */
export function ReviewToolbar({
  filters,
  setFilter,
  labels,
  items,
  quick,
  setQuick,
  quickRef,
  name,
  setName,
  canUndo,
  onReload,
  onUndo,
  onHelp,
}) {
  const categories = useMemo(
    () => [...new Set([...labels, .../** @type {string[]} */ (items.map((i) => i.category).filter(Boolean))])].sort(),
    [labels, items],
  );
  return html`<form class="toolbar" aria-label="Queue filters" onSubmit=${(/** @type {Event} */ e) => e.preventDefault()}>
    <div class="field">
      <label for="f-review">Route</label>
      <select id="f-review" value=${filters.review} onChange=${(/** @type {TargetedEvent<HTMLSelectElement>} */ e) => setFilter('review', e.currentTarget.value)}>
        <option value="first">All, routed to review first</option>
        <option value="only">Routed to review only</option>
        <option value="confident">Routed automatically only</option>
      </select>
    </div>
    <div class="field">
      <label for="f-category">Predicted category</label>
      <select id="f-category" value=${filters.category} onChange=${(/** @type {TargetedEvent<HTMLSelectElement>} */ e) => setFilter('category', e.currentTarget.value)}>
        <option value="">Any</option>
        ${categories.map((c) => html`<option key=${c} value=${c}>${c}</option>`)}
      </select>
    </div>
    <div class="field">
      <label for="f-feedback">Feedback</label>
      <select id="f-feedback" value=${filters.feedback} onChange=${(/** @type {TargetedEvent<HTMLSelectElement>} */ e) => setFilter('feedback', e.currentTarget.value)}>
        <option value="none">Not given yet</option>
        <option value="given">Given</option>
        <option value="any">Any</option>
      </select>
    </div>
    <div class="field grow">
      <label for="quick-filter">Filter <kbd>/</kbd></label>
      <input id="quick-filter" ref=${quickRef} type="search" placeholder="id, category or words" value=${quick} onInput=${(/** @type {TargetedInputEvent<HTMLInputElement>} */ e) => setQuick(e.currentTarget.value)} />
    </div>
    <div class="field" hidden=${session.signedIn}>
      <label for="reviewer-name">Your name</label>
      <input id="reviewer-name" type="text" autocomplete="name" size="10" placeholder="optional" value=${name} onInput=${(/** @type {TargetedInputEvent<HTMLInputElement>} */ e) => setName(e.currentTarget.value)} />
    </div>
    <div class="field buttons">
      <button type="button" onClick=${onReload} aria-keyshortcuts="r">Reload <kbd>r</kbd></button>
      <button type="button" onClick=${onUndo} disabled=${!canUndo} aria-keyshortcuts="u">Undo <kbd>u</kbd></button>
      <button type="button" onClick=${onHelp} aria-keyshortcuts="?">Shortcuts <kbd>?</kbd></button>
    </div>
  </form>`;
}
