import WebSocket from 'ws';

/** Pings a client left unanswered that are still remembered (a later answer covers them). */
const MAX_PINGS = 16;

/**
 * How much of what the server sent a client has not confirmed reading. Node's `bufferedAmount`
 * only counts bytes the kernel has not taken yet, and the kernel takes megabytes per socket from
 * a client that has stopped reading. So the server counts the bytes it sends and marks positions
 * with pings that carry the position: the client can only answer a ping once it has read
 * everything sent before it (a pong echoes the ping's data), so the answer acknowledges that
 * much. Whatever was sent after the last acknowledged position waits unread somewhere between
 * Node, the kernels and the network, and `unread` bounds it.
 */
export class SendWindow {
  private sent = 0;
  private acknowledged = 0;
  private lastPing = 0;
  /** Positions of the pings not answered yet, oldest first. */
  private readonly pings: number[] = [];
  private readonly waiters: (() => void)[] = [];

  constructor(
    private readonly socket: WebSocket,
    /** The most a client may have unread; see `send`. */
    private readonly limit: number,
  ) {
    socket.on('close', () => this.wake());
  }

  /** Bytes sent that the client has not confirmed reading. */
  get unread(): number {
    return this.sent - this.acknowledged;
  }

  /**
   * Sends a frame, unless the client already has more than the limit unread: then it has
   * stopped reading, and the answer is false.
   */
  send(text: string, bytes: number): boolean {
    if (this.unread > this.limit) return false;
    this.socket.send(text);
    this.sent += bytes;
    // A ping every quarter of the limit keeps the acknowledgements of a client that reads
    // coming well before the limit is near.
    if (this.sent - this.lastPing >= this.limit / 4) this.ping();
    return true;
  }

  /** A protocol ping marking the current position. */
  ping(): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (this.pings.length === MAX_PINGS) this.pings.shift();
    this.pings.push(this.sent);
    this.lastPing = this.sent;
    this.socket.ping(String(this.sent));
  }

  /**
   * A pong: when it answers one of the pings, the client has read everything before it, and
   * the answer is true.
   */
  acknowledge(data: Buffer): boolean {
    const position = Number(data.toString());
    const index = this.pings.indexOf(position);
    if (index === -1) return false; // an unsolicited pong, or one for a ping already forgotten
    // A client may answer only the latest of several pings.
    this.pings.splice(0, index + 1);
    this.acknowledged = position;
    this.wake();
    return true;
  }

  /** Under half the limit unread: senders that can wait keep to this. */
  get hasRoom(): boolean {
    return this.unread < this.limit / 2;
  }

  /** Resolves once the client has room, or the socket has closed. */
  async room(): Promise<void> {
    while (!this.hasRoom && this.socket.readyState === WebSocket.OPEN) {
      if (this.sent > this.lastPing) this.ping(); // so that there is something to answer
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
