import DataLoader from 'dataloader';

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
