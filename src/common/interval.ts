/**
 * Runs `tick` every `ms`, telling it whether this tick came late: more than half a period
 * after it was due. Then this process itself stalled (a long GC pause, a CPU-starved machine),
 * and whatever peers sent meanwhile may still sit unread in the socket buffers: a tick that
 * judges peers by what it has heard from them must not call them silent on a late tick.
 */
export function judgingInterval(ms: number, tick: (late: boolean) => void): NodeJS.Timeout {
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    const late = now - last > ms * 1.5;
    last = now;
    tick(late);
  }, ms);
  return timer.unref();
}
