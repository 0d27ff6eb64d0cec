import DataLoader from 'dataloader';
import { pageSize, toConnection, type Connection, type PageArgs } from './connection.js';

/**
 * Calls made within the same few milliseconds by unrelated requests or jobs (the consumer's
 * events, the workers' jobs, a page's fields), as one: `fetch` gets every key and answers each, in
 * key order, with a value or an Error for that key alone. Never cached: each call sees the data as
 * it is now, and a repeat (a retry) runs again.
 */
export function batchWithin<K, V>(windowMs: number, maxBatchSize: number, fetch: (keys: readonly K[]) => Promise<readonly (V | Error)[]>): DataLoader<K, V> {
  return new DataLoader<K, V>(fetch, { cache: false, maxBatchSize, batchScheduleFn: (run) => setTimeout(run, windowMs) });
}

/**
 * A per-request DataLoader that fetches many rows in one query and hands each key its row (or
 * null), in key order as DataLoader requires.
 */
export function loaderBy<K extends string | number, V>(
  fetch: (keys: readonly K[]) => Promise<V[]>,
  keyOf: (row: V) => K,
): DataLoader<K, V | null, string> {
  return new DataLoader<K, V | null, string>(
    async (keys) => {
      const rows = await fetch(keys);
      const byKey = new Map(rows.map((r) => [String(keyOf(r)), r]));
      return keys.map((k) => byKey.get(String(k)) ?? null);
    },
    { cacheKeyFn: (k) => String(k), maxBatchSize: 500 },
  );
}

/** Like loaderBy, for one-to-many lookups (for example the homestays of each business). */
export function groupLoaderBy<K extends string | number, V>(
  fetch: (keys: readonly K[]) => Promise<V[]>,
  keyOf: (row: V) => K,
): DataLoader<K, V[], string> {
  return new DataLoader<K, V[], string>(
    async (keys) => {
      const rows = await fetch(keys);
      const groups = new Map<string, V[]>();
      for (const r of rows) {
        const k = String(keyOf(r));
        (groups.get(k) ?? groups.set(k, []).get(k)!).push(r);
      }
      return keys.map((k) => groups.get(String(k)) ?? []);
    },
    { cacheKeyFn: (k) => String(k), maxBatchSize: 500 },
  );
}

/**
 * A nested connection (each business's homestays, each homestay's comments) for a whole list of
 * parents: the first pages of every parent asked for in one tick come from one query (a window
 * over the parents, `fetchFirst`); a page after a cursor is one parent's own query (`fetchPage`).
 */
export function pageLoader<T>(
  fetchFirst: (parentIds: readonly string[], rowsEach: number) => Promise<Map<string, T[]>>,
  fetchPage: (parentId: string, args: PageArgs) => Promise<Connection<T>>,
  keyOf: (row: T) => readonly (string | number)[],
) {
  // Keyed by page size and parent: a batch shares one size.
  const firstPages = new DataLoader<string, T[], string>(
    async (keys) => {
      const bySize = new Map<number, string[]>();
      for (const k of keys) {
        const [size, parent] = k.split(':') as [string, string];
        (bySize.get(Number(size)) ?? bySize.set(Number(size), []).get(Number(size))!).push(parent);
      }
      const found = new Map<string, T[]>();
      for (const [size, parents] of bySize) {
        const rows = await fetchFirst(parents, size + 1);
        for (const p of parents) found.set(`${size}:${p}`, rows.get(p) ?? []);
      }
      return keys.map((k) => found.get(k) ?? []);
    },
    { maxBatchSize: 500 },
  );
  return {
    async load(parentId: string, args: PageArgs): Promise<Connection<T>> {
      const size = pageSize(args.first);
      if (args.after !== null && args.after !== undefined) return fetchPage(parentId, args);
      return toConnection(await firstPages.load(`${size}:${parentId}`), size, keyOf);
    },
  };
}
