/**
 * The last `capacity` ids added, for telling a repeat from a new one. The oldest is forgotten
 * through a ring of the ids in the order they came: a Set alone would find its oldest entry by
 * iterating from its start, which walks past every entry deleted there since the Set last
 * compacted itself, thousands of them, on every add once it is full (about 6 us each, on every
 * event the instance publishes).
 */
export class RecentIds {
  private readonly ids = new Set<number>();
  private readonly ring: number[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  has(id: number): boolean {
    return this.ids.has(id);
  }

  /** Remembers `id`; answers false when it was already remembered. */
  add(id: number): boolean {
    if (this.ids.has(id)) return false;
    if (this.ring.length < this.capacity) this.ring.push(id);
    else {
      this.ids.delete(this.ring[this.next]);
      this.ring[this.next] = id;
      this.next = (this.next + 1) % this.capacity;
    }
    this.ids.add(id);
    return true;
  }
}
