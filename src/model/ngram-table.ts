/**
 * Assigns dense ids to n-grams of token ids during training, without building
 * an n-gram string per occurrence: keys are up to `width` int32 token ids in
 * an open-addressing table. (Building and hashing ~3M bigram strings was
 * most of the fit time of the reference model.)
 *
 * Each slot holds the feature id and its key side by side (`1 + width`
 * ints, unused key positions -1), so a lookup reads one cache line per probe:
 * with millions of n-grams the table is far bigger than the CPU caches, and
 * a lookup costs what its memory reads cost.
 */
export class NgramTable {
  private capacity = 1 << 12;
  private readonly stride: number;
  /** Per slot: feature id + 1 (0 = empty), then `width` key ints. */
  private slots: Int32Array;
  /** The slot of each feature (for {@link key}). */
  private slotOf = new Int32Array(1 << 11);
  size = 0;

  constructor(private readonly width: number) {
    this.stride = 1 + width;
    this.slots = new Int32Array(this.capacity * this.stride);
  }

  private static hash(ids: Int32Array, start: number, n: number): number {
    let h = 0x811c9dc5 ^ n;
    for (let k = 0; k < n; k++) {
      h = Math.imul(h ^ ids[start + k]!, 0x01000193);
      h ^= h >>> 15;
    }
    return Math.imul(h, 0x2c1b3c6d) >>> 0;
  }

  /** The feature id of the n-gram `ids[start .. start + n)` (ids >= 0), added if new. */
  intern(ids: Int32Array, start: number, n: number): number {
    const { stride, width, slots } = this;
    const mask = this.capacity - 1;
    let slot = NgramTable.hash(ids, start, n) & mask;
    for (;;) {
      const at = slot * stride;
      const entry = slots[at]!;
      if (entry === 0) break;
      let same = true;
      for (let k = 0; k < n; k++) {
        if (slots[at + 1 + k] !== ids[start + k]) {
          same = false;
          break;
        }
      }
      if (same && (n === width || slots[at + 1 + n] === -1)) return entry - 1;
      slot = (slot + 1) & mask;
    }
    const f = this.size++;
    this.store(slot, ids, start, n, f);
    if (this.size * 2 > this.capacity) this.grow();
    return f;
  }

  /** Token ids of feature `f`. */
  key(f: number): Int32Array {
    const at = this.slotOf[f]! * this.stride + 1;
    let n = this.width;
    while (n > 0 && this.slots[at + n - 1] === -1) n--;
    return this.slots.subarray(at, at + n);
  }

  private store(slot: number, ids: Int32Array, start: number, n: number, f: number): void {
    const at = slot * this.stride;
    this.slots[at] = f + 1;
    for (let k = 0; k < this.width; k++) this.slots[at + 1 + k] = k < n ? ids[start + k]! : -1;
    if (f === this.slotOf.length) {
      const bigger = new Int32Array(this.slotOf.length * 2);
      bigger.set(this.slotOf);
      this.slotOf = bigger;
    }
    this.slotOf[f] = slot;
  }

  private grow(): void {
    const { stride } = this;
    const old = this.slots;
    const oldCapacity = this.capacity;
    this.capacity *= 2;
    this.slots = new Int32Array(this.capacity * stride);
    const mask = this.capacity - 1;
    for (let s = 0; s < oldCapacity; s++) {
      const at = s * stride;
      if (old[at] === 0) continue;
      let n = this.width;
      while (n > 0 && old[at + n] === -1) n--;
      let slot = NgramTable.hash(old, at + 1, n) & mask;
      while (this.slots[slot * stride] !== 0) slot = (slot + 1) & mask;
      this.slots.set(old.subarray(at, at + stride), slot * stride);
      this.slotOf[old[at]! - 1] = slot;
    }
  }
}
