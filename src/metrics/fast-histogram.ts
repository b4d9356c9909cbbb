import type { Metric, Registry } from 'prom-client';

interface Series {
  labels: Record<string, string>;
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  counts: number[];
  sum: number;
  count: number;
}

/**
 * A histogram for the paths every request takes, exposed through a prom-client registry like
 * its own Histogram. prom-client's labelled observe costs about 1.4 µs (it hashes the labels and
 * keys the buckets by their bound as text); here a series is made once and an observation is a
 * few additions (about 20 ns).
 */
export class FastHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series: Series[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    // The registry reads name, help, type, aggregator, get() and reset(), nothing else.
    registry.registerMetric(this as unknown as Metric);
  }

  /** A series' observe function; call once per label set and keep it. */
  child(labels: Record<string, string>): (value: number) => void {
    const series: Series = {
      labels,
      counts: new Array<number>(this.buckets.length + 1).fill(0),
      sum: 0,
      count: 0,
    };
    this.series.push(series);
    const { buckets } = this;
    return (value) => {
      let i = 0;
      while (i < buckets.length && value > buckets[i]) i++;
      series.counts[i]++;
      series.sum += value;
      series.count++;
    };
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the registry awaits it
  async get() {
    const values = [];
    for (const { labels, counts, sum, count } of this.series) {
      let cumulative = 0;
      for (const [i, bound] of [...this.buckets, '+Inf' as const].entries()) {
        cumulative += counts[i];
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { ...labels, le: bound },
          value: cumulative,
        });
      }
      values.push({ metricName: `${this.name}_sum`, labels, value: sum });
      values.push({ metricName: `${this.name}_count`, labels, value: count });
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    };
  }

  reset(): void {
    for (const series of this.series) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}
