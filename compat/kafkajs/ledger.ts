/**
 * Bookkeeping for consumer-group tests: every delivery (partition, offset, key) by member, the
 * highest committed offset seen per partition (kafkajs COMMIT_OFFSETS events), and the rule
 * "a message is delivered again only if it was not yet committed": a repeat delivery of offset
 * o on partition p while the group's committed offset for p is already above o is a violation.
 */
import type { Consumer } from 'kafkajs';

export class Ledger {
  /** "p:o" -> key of the first delivery. */
  readonly keys = new Map<string, string>();
  readonly deliveries = new Map<string, number>();
  readonly committed = new Map<number, number>();
  readonly byMember = new Map<string, number>();
  readonly violations: string[] = [];
  duplicates = 0;
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  deliver(member: string, partition: number, offset: number, key: string): void {
    const id = `${partition}:${offset}`;
    const seen = this.deliveries.get(id) ?? 0;
    this.deliveries.set(id, seen + 1);
    this.byMember.set(member, (this.byMember.get(member) ?? 0) + 1);
    if (seen === 0) {
      this.keys.set(id, key);
    } else {
      this.duplicates++;
      const committed = this.committed.get(partition) ?? 0;
      if (offset < committed) this.violations.push(`${member} re-delivered ${id} after offset ${committed} was committed`);
      if (this.keys.get(id) !== key) this.violations.push(`${member} got key ${key} at ${id}, earlier ${this.keys.get(id)}`);
    }
    this.wake();
  }

  commit(partition: number, offset: number): void {
    if (offset > (this.committed.get(partition) ?? -1)) this.committed.set(partition, offset);
  }

  get distinct(): number {
    return this.keys.size;
  }

  /** Resolves once `n` distinct messages were delivered; rejects after `timeoutMs`. */
  distinctReaches(n: number, timeoutMs: number, what = `${n} distinct deliveries`): Promise<void> {
    if (this.distinct >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (have ${this.distinct})`)), timeoutMs);
      this.waiters.push({ n, resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }

  /** Feeds this ledger from a kafkajs consumer's commit events. */
  watchCommits(consumer: Consumer): void {
    consumer.on(consumer.events.COMMIT_OFFSETS, (e) => {
      for (const t of e.payload.topics) for (const p of t.partitions) this.commit(Number(p.partition), Number(p.offset));
    });
  }

  /** Offsets in [0, end) of each partition that were never delivered (at most 10 listed). */
  missing(ends: Map<number, number>): string[] {
    const out: string[] = [];
    for (const [p, end] of ends) {
      for (let o = 0; o < end && out.length < 10; o++) if (!this.deliveries.has(`${p}:${o}`)) out.push(`${p}:${o}`);
    }
    return out;
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const n = this.distinct;
    this.waiters = this.waiters.filter((w) => {
      if (n < w.n) return true;
      w.resolve();
      return false;
    });
  }
}

/** Resolves when `check()` turns true, re-checked whenever `poke` is called; bounded. */
export function when(check: () => boolean, timeoutMs: number, what: string): { promise: Promise<void>; poke: () => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  const poke = (): void => {
    if (check()) {
      clearTimeout(timer);
      resolve();
    }
  };
  poke();
  return { promise, poke };
}
