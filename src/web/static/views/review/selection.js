/** Which ticket of the queue is selected, and moving through the queue. */
import { useEffect, useMemo } from 'preact/hooks';

/**
 * The tickets shown (the queue narrowed by the quick filter), the selected
 * one and its index among them, moving (`j`/`k`) and advancing after a
 * verdict; the selected ticket is kept in view in the list.
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

  const move = (delta) => {
    if (visible.length === 0) return;
    const next = index < 0 ? 0 : Math.max(0, Math.min(visible.length - 1, index + delta));
    select(visible[next].ticketId);
  };

  /** After a verdict: the next ticket without feedback below this one (else the next one). */
  const advance = (fromId) => {
    const at = visible.findIndex((i) => i.ticketId === fromId);
    const after = visible.slice(at + 1).find((i) => !i.feedback && i.ticketId !== fromId);
    const target = after ?? visible[at + 1] ?? visible[at];
    if (target) select(target.ticketId);
  };

  return { visible, index, selected, move, advance };
}
