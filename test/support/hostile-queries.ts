/**
 * The document of issue 16: aliases of nested pages of 100 homestays, business, their homestays,
 * their comments and their business's homestays again. It passes the depth (12) and alias (30)
 * limits; before the cost limit one such request took 5 s, returned 19 MB and took the homestay
 * subgraph from ~160 MB to ~930 MB.
 */
export function hostileDocument(aliases = 30): string {
  const alias = (i: number) =>
    `a${i}: homestays(scope: ALL, first: 100) { edges { node { id title info business { id title homestays(first: 100) { edges { node { id title info ` +
    `comments(first: 100) { edges { node { id content star } } } business { id homestays(first: 100) { edges { node { id title info } } } } } } } } } } }`;
  return `{ ${Array.from({ length: aliases }, (_, i) => alias(i)).join(' ')} }`;
}

/** 10 KB of one-letter fields (about 5000 tokens): refused by the token bound before it is parsed. */
export function tokenFlood(): string {
  return `{ ${'a '.repeat(5118)}}`;
}
