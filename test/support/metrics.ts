/**
 * The sum of a Prometheus metric on a process's /metrics over the series that carry every label
 * in `labels` (all of them when none is given), e.g. a gateway's subgraph fetches to one subgraph.
 */
export async function metric(baseUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !(line.startsWith(`${name}{`) || line.startsWith(`${name} `))) continue;
    const series = line.slice(name.length, line.lastIndexOf(' '));
    if (wanted.every((l) => series.includes(l))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
