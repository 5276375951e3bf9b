/** The review page's keyboard shortcuts: what they are, what they do, and the dialog that lists them. */
/** @import { RefObject } from 'preact' */
import { useEffect, useRef } from 'preact/hooks';
import { html } from '../../lib/html.js';
import { Dialog, Kbd } from '../../components/common.js';

/** @type {[key: string, alt: string | null, what: string][]} */
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

/**
 * The shortcuts, on the whole document while this view is shown (not while
 * typing in a field or while a dialog is open). `actions` may change on every
 * render: a key always runs the latest ones.
 * @param {{
 *   listRef: RefObject<HTMLElement | null>,
 *   quickRef: RefObject<HTMLInputElement | null>,
 *   actions: {
 *     move: (delta: number) => void,
 *     confirm: () => void,
 *     correct: () => void,
 *     undo: () => void,
 *     reload: () => void,
 *     help: () => void,
 *     pickNumber: (n: number) => void,
 *   },
 * }} shortcuts `listRef`: the queue (Escape in the quick filter goes back to it); `quickRef`: the quick filter (`/`)
 */
export function useReviewShortcuts({ listRef, quickRef, actions }) {
  const latest = useRef(actions);
  latest.current = actions;
  useEffect(() => {
    const onKey = (/** @type {KeyboardEvent} */ e) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      if (document.querySelector('dialog[open]')) return;
      const t = /** @type {HTMLElement | null} */ (e.target);
      const tag = t?.tagName ?? '';
      if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || t?.isContentEditable) {
        if (e.key === 'Escape' && t === quickRef.current) {
          listRef.current?.focus();
          e.preventDefault();
        }
        return;
      }
      const onControl = tag === 'BUTTON' || tag === 'A' || tag === 'SUMMARY';
      const a = latest.current;
      switch (e.key) {
        case 'j':
        case 'ArrowDown':
          a.move(1);
          break;
        case 'k':
        case 'ArrowUp':
          a.move(-1);
          break;
        case 'Enter':
          if (onControl) return;
          a.confirm();
          break;
        case 'c':
          a.confirm();
          break;
        case 'e':
          a.correct();
          break;
        case 'u':
          a.undo();
          break;
        case '/':
          quickRef.current?.focus();
          quickRef.current?.select();
          break;
        case 'r':
          a.reload();
          break;
        case '?':
          a.help();
          break;
        default:
          if (/^[1-9]$/.test(e.key)) a.pickNumber(Number(e.key));
          else return;
      }
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}

/** @param {{ open: boolean, onClose: () => void }} props */
export function ShortcutsDialog({ open, onClose }) {
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
