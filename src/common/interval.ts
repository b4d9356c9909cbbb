/** A tick this far behind (or half a period, if more) means the process stalled. */
const STALL_MS = 1_000;

/**
 * Runs `tick` every `ms`, telling it whether this tick came late: more than a second (or half
 * a period) after it was due. Then this process itself stalled (a long GC pause, a CPU-starved
 * machine), and whatever peers sent meanwhile may still sit unread in the socket buffers: a
 * tick that judges peers by what it has heard from them must not call them silent on a late
 * tick. The next tick, on time, judges as usual, so a mere busy process still gets judged.
 */
export function judgingInterval(ms: number, tick: (late: boolean) => void): NodeJS.Timeout {
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    const late = now - last - ms > Math.max(ms / 2, STALL_MS);
    last = now;
    tick(late);
  }, ms);
  return timer.unref();
}
