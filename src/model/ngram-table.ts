/**
 * Assigns dense ids to n-grams of token ids during training, without building
 * an n-gram string per occurrence: keys are up to `width` int32 token ids in
 * an open-addressing table. (Building and hashing ~3M bigram strings was
 * most of the fit time of the reference model.)
 */
export class NgramTable {
  private capacity = 1 << 16;
  private slots = new Int32Array(this.capacity); // feature id + 1; 0 = empty
  private featureKeys: Int32Array; // width ints per feature, -1 padded
  private featureLengths: Uint8Array;
  size = 0;

  constructor(private readonly width: number) {
    this.featureKeys = new Int32Array(this.capacity * width);
    this.featureLengths = new Uint8Array(this.capacity);
  }

  private static hash(ids: Int32Array, start: number, n: number): number {
    let h = 0x811c9dc5 ^ n;
    for (let k = 0; k < n; k++) {
      h = Math.imul(h ^ ids[start + k]!, 0x01000193);
      h ^= h >>> 15;
    }
    return Math.imul(h, 0x2c1b3c6d) >>> 0;
  }

  /** The feature id of the n-gram `ids[start .. start + n)`, added if new. */
  intern(ids: Int32Array, start: number, n: number): number {
    const mask = this.capacity - 1;
    let slot = NgramTable.hash(ids, start, n) & mask;
    for (;;) {
      const entry = this.slots[slot]!;
      if (entry === 0) break;
      const f = entry - 1;
      if (this.featureLengths[f] === n) {
        const base = f * this.width;
        let same = true;
        for (let k = 0; k < n; k++) {
          if (this.featureKeys[base + k] !== ids[start + k]) {
            same = false;
            break;
          }
        }
        if (same) return f;
      }
      slot = (slot + 1) & mask;
    }
    const f = this.size++;
    if (this.size * 2 > this.capacity) {
      this.grow();
      return this.insertNew(ids, start, n, f);
    }
    this.slots[slot] = f + 1;
    this.storeKey(ids, start, n, f);
    return f;
  }

  /** Token ids of feature `f`. */
  key(f: number): Int32Array {
    const base = f * this.width;
    return this.featureKeys.subarray(base, base + this.featureLengths[f]!);
  }

  private storeKey(ids: Int32Array, start: number, n: number, f: number): void {
    if ((f + 1) * this.width > this.featureKeys.length) {
      const keys = new Int32Array(this.featureKeys.length * 2);
      keys.set(this.featureKeys);
      this.featureKeys = keys;
      const lengths = new Uint8Array(this.featureLengths.length * 2);
      lengths.set(this.featureLengths);
      this.featureLengths = lengths;
    }
    this.featureKeys.set(ids.subarray(start, start + n), f * this.width);
    this.featureLengths[f] = n;
  }

  private insertNew(ids: Int32Array, start: number, n: number, f: number): number {
    const mask = this.capacity - 1;
    let slot = NgramTable.hash(ids, start, n) & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = f + 1;
    this.storeKey(ids, start, n, f);
    return f;
  }

  private grow(): void {
    this.capacity *= 2;
    this.slots = new Int32Array(this.capacity);
    const mask = this.capacity - 1;
    for (let f = 0; f < this.size - 1; f++) {
      const base = f * this.width;
      let slot = NgramTable.hash(this.featureKeys, base, this.featureLengths[f]!) & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = f + 1;
    }
  }
}
