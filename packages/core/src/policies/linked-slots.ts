/**
 * A doubly linked list of slot indices threaded through typed arrays, shared by the policies that
 * keep one or more recency or insertion queues. No allocation per operation; `head` is the oldest
 * end (next victim) and `tail` the newest.
 *
 * Several lists can share one pair of link arrays when a slot belongs to at most one of them at a
 * time: create them with {@link LinkedSlots.sharing}.
 */
export class LinkedSlots {
  /** Link to the newer neighbour, or -1. */
  next: Int32Array;
  /** Link to the older neighbour, or -1. */
  prev: Int32Array;
  /** Oldest slot, or -1 when empty. */
  head = -1;
  /** Newest slot, or -1 when empty. */
  tail = -1;
  /** Number of slots in this list. */
  length = 0;

  constructor(capacity: number, links?: LinkedSlots) {
    if (links) {
      this.next = links.next;
      this.prev = links.prev;
    } else {
      this.next = new Int32Array(capacity).fill(-1);
      this.prev = new Int32Array(capacity).fill(-1);
    }
  }

  /** A new, empty list that uses the same link arrays as `links` (slots live in one list at a time). */
  static sharing(links: LinkedSlots): LinkedSlots {
    return new LinkedSlots(0, links);
  }

  /** Grow the link arrays (for lists created with `sharing`, call {@link LinkedSlots.adopt} after). */
  grow(capacity: number): void {
    if (capacity <= this.next.length) return;
    const next = new Int32Array(capacity).fill(-1);
    const prev = new Int32Array(capacity).fill(-1);
    next.set(this.next);
    prev.set(this.prev);
    this.next = next;
    this.prev = prev;
  }

  /** Point this list at another list's (grown) link arrays. */
  adopt(links: LinkedSlots): void {
    this.next = links.next;
    this.prev = links.prev;
  }

  /** Append `slot` at the newest end. */
  push(slot: number): void {
    const tail = this.tail;
    this.prev[slot] = tail;
    this.next[slot] = -1;
    if (tail === -1) this.head = slot;
    else this.next[tail] = slot;
    this.tail = slot;
    this.length++;
  }

  /** Insert `slot` just before `ref` (on its older side); `ref` must be in this list. */
  insertBefore(slot: number, ref: number): void {
    const prev = this.prev[ref]!;
    this.prev[slot] = prev;
    this.next[slot] = ref;
    this.prev[ref] = slot;
    if (prev === -1) this.head = slot;
    else this.next[prev] = slot;
    this.length++;
  }

  /** Unlink `slot`, which must be in this list. */
  unlink(slot: number): void {
    const prev = this.prev[slot]!;
    const next = this.next[slot]!;
    if (prev === -1) this.head = next;
    else this.next[prev] = next;
    if (next === -1) this.tail = prev;
    else this.prev[next] = prev;
    this.length--;
  }

  /** Move `slot`, which must be in this list, to the newest end. */
  moveToTail(slot: number): void {
    if (slot === this.tail) return;
    const prev = this.prev[slot]!;
    const next = this.next[slot]!;
    // slot is not the tail, so next !== -1
    if (prev === -1) this.head = next;
    else this.next[prev] = next;
    this.prev[next] = prev;
    const tail = this.tail;
    this.prev[slot] = tail;
    this.next[slot] = -1;
    this.next[tail] = slot;
    this.tail = slot;
  }

  /** Remove and return the oldest slot, or -1 when empty. */
  shift(): number {
    const head = this.head;
    if (head !== -1) this.unlink(head);
    return head;
  }

  /** Slots from newest to oldest. */
  *newestFirst(): IterableIterator<number> {
    for (let s = this.tail; s !== -1; s = this.prev[s]!) yield s;
  }

  /** Forget every slot (the link arrays keep stale values; they are rewritten on the next push). */
  clear(): void {
    this.head = -1;
    this.tail = -1;
    this.length = 0;
  }
}
