// The device-wide table of our receiver indices (kernel peerlookup.c): each
// outstanding handshake and each keypair has a random 32-bit index, unique in
// the device, which the peer echoes in its messages. Random, so that indices
// say nothing about how many sessions exist (boringtun 5f61297).

export interface IndexEntry<P, H, K> {
  readonly peer: P;
  /** Set for an outstanding handshake, unset for a keypair. */
  readonly handshake?: H;
  readonly keypair?: K;
}

export class IndexTable<P, H, K> {
  private readonly entries = new Map<number, IndexEntry<P, H, K>>();
  private readonly word = new Uint32Array(1);
  private readonly bytes = new Uint8Array(this.word.buffer);

  constructor(private readonly random: (out: Uint8Array) => void) {}

  /** Stores `entry` under a fresh random index and returns the index. */
  insert(entry: IndexEntry<P, H, K>): number {
    for (;;) {
      this.random(this.bytes);
      const index = this.word[0];
      if (!this.entries.has(index)) {
        this.entries.set(index, entry);
        return index;
      }
    }
  }

  /** Points an existing index at a new entry (a handshake's index passing to its keypair). */
  replace(index: number, entry: IndexEntry<P, H, K>): void {
    this.entries.set(index, entry);
  }

  lookup(index: number): IndexEntry<P, H, K> | undefined {
    return this.entries.get(index);
  }

  /** Removes `index` if it still belongs to `owner` (a handshake or keypair). */
  remove(index: number | undefined, owner: H | K): void {
    if (index === undefined) return;
    const e = this.entries.get(index);
    if (e && (e.handshake === owner || e.keypair === owner)) this.entries.delete(index);
  }

  get size(): number {
    return this.entries.size;
  }
}
