/**
 * Puts existing nodes into a new order without recreating them, so links, listeners, form state and
 * (where the browser can) focus are kept.
 */
import { changedPositions } from './order.js';

/** `ParentNode.moveBefore` (Chromium 133+) moves a node without the remove + insert that drops focus. */
type MovingParent = Node & { moveBefore?: (node: Node, child: Node | null) => void };

function moveBefore(node: Node, marker: Node): void {
  const parent = marker.parentNode as MovingParent;
  if (typeof parent.moveBefore === 'function') {
    try {
      parent.moveBefore(node, marker);
      return;
    } catch {
      // e.g. a detached list: moveBefore needs both ends connected; a plain insert still works.
    }
  }
  parent.insertBefore(node, marker);
}

/**
 * Gives position k the item that was at `order[k]`. A comment marks each position that changes, so the
 * items may sit among other nodes (ads, separators) or even under different parents. Returns how many moved.
 */
export function applyOrder(items: readonly Element[], order: readonly number[]): number {
  const changed = changedPositions(order);
  if (changed.length === 0) return 0;
  const doc = items[0]!.ownerDocument;
  const focused = doc.activeElement;
  const focusedItem = focused && items.some((item) => item.contains(focused)) ? focused : null;
  const markers = changed.map((position) => {
    const marker = doc.createComment('');
    items[position]!.before(marker);
    return marker;
  });
  changed.forEach((position, i) => {
    moveBefore(items[order[position]!]!, markers[i]!);
    markers[i]!.remove();
  });
  // Without moveBefore, moving the focused element blurs it: give focus back where it was.
  if (focusedItem && doc.activeElement !== focusedItem && 'focus' in focusedItem) {
    (focusedItem as HTMLElement).focus({ preventScroll: true });
  }
  return changed.length;
}
