/** @import { TargetedInputEvent, TargetedKeyboardEvent } from 'preact' */
import { useMemo, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { Dialog } from './common.js';

/**
 * The category picker: type to filter, arrows to move, Enter to pick,
 * Escape to close. A name the model does not know can be picked as a new
 * category (the API is told `allowNewCategory`; it is learnt at the next
 * retraining).
 * @typedef {object} PickerProps
 * @property {string[]} labels the categories of the model in service
 * @property {string | undefined} predicted
 * @property {string | undefined} ticketId
 * @property {(category: string, isNew: boolean) => void} onPick
 * @property {() => void} onClose
 * @param {PickerProps & { open: boolean }} props
 */
export function CategoryPicker({ open, labels, predicted, ticketId, onPick, onClose }) {
  return html`<${Dialog} open=${open} onClose=${onClose} labelledBy="picker-title" className="picker" initialFocus="input">
    <${PickerBody} labels=${labels} predicted=${predicted} ticketId=${ticketId} onPick=${onPick} onClose=${onClose} />
  <//>`;
}

/** @param {PickerProps} props */
function PickerBody({ labels, predicted, ticketId, onPick, onClose }) {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const options = useMemo(() => {
    const q = query.trim().toLowerCase();
    const matching = labels.filter((l) => l.toLowerCase().includes(q)).map((label) => ({ label, isNew: false }));
    if (q && matching.length === 0) matching.push({ label: query.trim(), isNew: true });
    return matching;
  }, [labels, query]);
  const current = Math.min(active, Math.max(0, options.length - 1));
  const pick = (/** @type {{ label: string, isNew: boolean } | undefined} */ option) =>
    option && onPick(option.label, option.isNew);
  const onKeyDown = (/** @type {TargetedKeyboardEvent<HTMLInputElement>} */ e) => {
    if (e.key === 'ArrowDown') {
      setActive((current + 1) % Math.max(1, options.length));
      e.preventDefault();
    } else if (e.key === 'ArrowUp') {
      setActive((current - 1 + options.length) % Math.max(1, options.length));
      e.preventDefault();
    } else if (e.key === 'Enter') {
      pick(options[current]);
      e.preventDefault();
    }
  };
  return html`
    <h2 id="picker-title">Correct ticket ${ticketId}</h2>
    <p class="hint">Type to filter, <kbd>↑</kbd> <kbd>↓</kbd> to move, <kbd>Enter</kbd> to pick, <kbd>Esc</kbd> to cancel.</p>
    <label for="picker-input">Right category</label>
    <input
      id="picker-input"
      type="text"
      role="combobox"
      autocomplete="off"
      spellcheck="false"
      aria-expanded="true"
      aria-controls="picker-options"
      aria-autocomplete="list"
      aria-activedescendant=${options.length ? `picker-option-${current}` : undefined}
      value=${query}
      onInput=${(/** @type {TargetedInputEvent<HTMLInputElement>} */ e) => {
        setQuery(e.currentTarget.value);
        setActive(0);
      }}
      onKeyDown=${onKeyDown}
    />
    <ul id="picker-options" role="listbox" aria-label="Categories">
      ${options.map(
        (o, i) => html`<li
          key=${`${o.isNew}:${o.label}`}
          id=${`picker-option-${i}`}
          role="option"
          aria-selected=${i === current}
          class=${i === current ? 'active' : ''}
          onMouseMove=${() => i !== current && setActive(i)}
          onClick=${() => pick(o)}
        >
          ${o.isNew ? html`<span>New category “<strong>${o.label}</strong>”</span> <span class="muted">(learnt at the next retraining)</span>` : o.label}
          ${!o.isNew && o.label === predicted ? html` <span class="muted">— predicted: picking it confirms</span>` : null}
        </li>`,
      )}
      ${options.length === 0 ? html`<li class="muted" role="option" aria-disabled="true" aria-selected="false">Type a category name</li>` : null}
    </ul>
    <div class="dialog-actions"><button type="button" onClick=${onClose}>Cancel</button></div>
  `;
}
