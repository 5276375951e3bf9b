/** Which ticket of the queue is selected, and moving through the queue. */
/**
 * @import { RefObject } from 'preact'
 * @import { TicketSummary } from '../../lib/api-types.js'
 */
import { useEffect, useMemo } from 'preact/hooks';

/**
 * The tickets shown (the queue narrowed by the quick filter), the selected
 * one and its index among them, moving (`j`/`k`) and advancing after a
 * verdict; the selected ticket is kept in view in the list.
 * @param {{
 *   items: TicketSummary[],
 *   quick: string,
 *   selectedId: string | null,
 *   select: (ticketId: string) => void,
 *   listRef: RefObject<HTMLUListElement | null>,
 * }} queue the queue's tickets, the quick filter's text, the selected ticket's id
 */
export function useSelection({ items, quick, selectedId, select, listRef }) {
  const visible = useMemo(() => {
    const q = quick.trim().toLowerCase();
    if (!q) return items;
    return items.filter((i) =>
      `${i.ticketId}\n${i.category ?? ''}\n${i.subject ?? ''}\n${i.textPreview ?? ''}`.toLowerCase().includes(q),
    );
  }, [items, quick]);
  const index = visible.findIndex((i) => i.ticketId === selectedId);
  const selected = index >= 0 ? visible[index] : undefined;

  useEffect(() => {
    if (index >= 0) listRef.current?.querySelector(`#q-${index}`)?.scrollIntoView({ block: 'nearest' });
  }, [index]);

  const move = (/** @type {number} */ delta) => {
    if (visible.length === 0) return;
    const next = index < 0 ? 0 : Math.max(0, Math.min(visible.length - 1, index + delta));
    select(visible[next].ticketId);
  };

  /** After a verdict: the next ticket without feedback below this one (else the next one). */
  const advance = (/** @type {string} */ fromId) => {
    const at = visible.findIndex((i) => i.ticketId === fromId);
    const after = visible.slice(at + 1).find((i) => !i.feedback && i.ticketId !== fromId);
    const target = after ?? visible[at + 1] ?? visible[at];
    if (target) select(target.ticketId);
  };

  return { visible, index, selected, move, advance };
}
