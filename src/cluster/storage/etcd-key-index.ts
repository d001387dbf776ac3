/**
 * The sorted set of keys stored in etcd, as this server last heard of them (loaded once at
 * a revision, then kept current by the shared watch). It holds keys only, never values:
 * about one pointer per key beyond the key strings the watch decodes anyway.
 *
 * Why: etcd 3.4 answers a limited range by first collecting every key from the start key
 * to range_end (to count them) and only then cutting to the limit, so paging through N keys
 * with an open range_end walks N²/(2·limit) index entries: 10 million for kubectl's pages
 * of 500 over 100,000 objects, most of the time of such a list. Knowing roughly where a
 * page ends lets each page read a tight range instead. The index only chooses range ends;
 * the keys and values served always come from etcd, so an index that lags behind etcd
 * costs an extra read, never a wrong answer.
 */

/** Keys per chunk: a chunk splits in two when it grows past this. */
const CHUNK = 512;

export class KeyIndex {
  /** Sorted, non-empty chunks; every key of chunk i is below every key of chunk i + 1. */
  private chunks: string[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Replaces the content with `keys` (sorted ascending, no duplicates). */
  reset(keys: string[]): void {
    this.chunks = [];
    for (let i = 0; i < keys.length; i += CHUNK / 2) this.chunks.push(keys.slice(i, i + CHUNK / 2));
    this.count = keys.length;
  }

  /** Index of the first chunk whose last key is >= key (chunks.length if none). */
  private chunkFor(key: string): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = this.chunks[mid];
      if (c[c.length - 1] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(key: string): void {
    if (!this.chunks.length) {
      this.chunks.push([key]);
      this.count = 1;
      return;
    }
    const ci = Math.min(this.chunkFor(key), this.chunks.length - 1);
    const c = this.chunks[ci];
    const i = lowerBound(c, key);
    if (c[i] === key) return;
    c.splice(i, 0, key);
    this.count++;
    if (c.length > CHUNK) this.chunks.splice(ci, 1, c.slice(0, c.length >> 1), c.slice(c.length >> 1));
  }

  delete(key: string): void {
    const ci = this.chunkFor(key);
    const c = this.chunks[ci];
    if (!c) return;
    const i = lowerBound(c, key);
    if (c[i] !== key) return;
    c.splice(i, 1);
    this.count--;
    if (!c.length) this.chunks.splice(ci, 1);
  }

  /**
   * The key that ends a range from `start` holding `n` keys: the (n + 1)-th key >= start,
   * so [start, result) holds exactly n keys; undefined when fewer than n + 1 keys follow.
   */
  endAfter(start: string, n: number): string | undefined {
    let ci = this.chunkFor(start);
    if (ci >= this.chunks.length) return undefined;
    let i = lowerBound(this.chunks[ci], start) + n;
    while (ci < this.chunks.length && i >= this.chunks[ci].length) {
      i -= this.chunks[ci].length;
      ci++;
    }
    return ci < this.chunks.length ? this.chunks[ci][i] : undefined;
  }
}

/** First index in sorted `a` whose element is >= key. */
function lowerBound(a: string[], key: string): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
