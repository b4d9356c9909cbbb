import { Histogram, Registry } from 'prom-client';
import { parseExposition } from '../../test/support/metrics';
import { FastHistogram } from './fast-histogram';

const BUCKETS = [0.001, 0.01, 0.1, 1];
/** Below, on and between the bounds, and past the last one. */
const VALUES = [0, 0.0005, 0.001, 0.0011, 0.01, 0.05, 0.1, 0.99, 1, 1.5, 30];

/** The samples of an exposition, comparable whatever the order of lines and labels. */
async function samples(registry: Registry) {
  return parseExposition(await registry.metrics())
    .map((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())} ${s.value}`)
    .sort();
}

describe('FastHistogram', () => {
  it("exposes what prom-client's Histogram exposes for the same observations", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const fast = new FastHistogram('h_seconds', 'help', BUCKETS, ours);
    const reference = new Histogram({
      name: 'h_seconds',
      help: 'help',
      labelNames: ['route', 'code'],
      buckets: BUCKETS,
      registers: [theirs],
    });
    const a = fast.child({ route: '/a', code: '200' });
    const b = fast.child({ route: '/b', code: '500' });
    for (const value of VALUES) {
      a(value);
      reference.observe({ route: '/a', code: '200' }, value);
    }
    b(0.02);
    reference.observe({ route: '/b', code: '500' }, 0.02);

    expect(await samples(ours)).toEqual(await samples(theirs));
    expect(await ours.metrics()).toContain('# TYPE h_seconds histogram');
  });

  it('counts from zero again after a reset', async () => {
    const registry = new Registry();
    const fast = new FastHistogram('h_seconds', 'help', BUCKETS, registry);
    const observe = fast.child({ route: '/a' });
    observe(0.5);
    registry.resetMetrics();
    observe(2);
    const counts = parseExposition(await registry.metrics()).filter((s) =>
      s.name.endsWith('_count'),
    );
    expect(counts.map((s) => s.value)).toEqual([1]);
  });
});
