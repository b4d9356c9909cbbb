import type { TestApp } from './app';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Reads the Prometheus text exposition into samples (comments skipped). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key] = raw.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

export interface Scrape {
  samples: Sample[];
  /** The sum of the samples of `name` that carry all of `labels` (0 when there is none). */
  value(name: string, labels?: Record<string, string>): number;
}

/** GET /metrics, parsed; fails unless it answers 200. */
export async function scrape(t: TestApp, token?: string): Promise<Scrape> {
  const res = await t.request('GET', '/metrics', { token });
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}: ${res.text}`);
  const samples = parseExposition(res.text);
  return {
    samples,
    value: (name, labels = {}) =>
      samples
        .filter(
          (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
        )
        .reduce((sum, s) => sum + s.value, 0),
  };
}
