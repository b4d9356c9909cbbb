import { Logger, type INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { filter, first, fromEvent, mergeMap, share, takeUntil, type Observable } from 'rxjs';
import WebSocket, { type Server } from 'ws';
import { LiveHub } from './live-hub';
import { parseClientFrame } from './live-protocol';

/**
 * The `ws` adapter with the bots' `{type: ...}` messages. Socket errors are client
 * mistakes (an oversized frame, a bad handshake): logged as warnings, not as server faults.
 */
export class LiveWsAdapter extends WsAdapter {
  private readonly socketLogger = new Logger('LiveWsAdapter');

  constructor(private readonly context: INestApplicationContext) {
    super(context, { messageParser: parseClientFrame });
  }

  /**
   * As the stock adapter binds a socket's messages to the gateway's handlers, with two
   * differences. A socket being closed (rate limited, say) has its further messages dropped:
   * the close handshake can take a client 30 s, and every frame sent meanwhile was handled.
   * And handlers' answers go through the hub, within the socket's window (see SendWindow).
   */
  override bindMessageHandlers(
    socket: WebSocket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    const hub = this.context.get(LiveHub, { strict: false });
    const byMessage = new Map<string, MessageMappingProperties>(
      handlers.map((handler) => [String(handler.message), handler]),
    );
    const closed = fromEvent(socket, 'close').pipe(share(), first());
    fromEvent(socket, 'message')
      .pipe(
        filter(() => socket.readyState === WebSocket.OPEN),
        mergeMap((data) =>
          this.bindMessageHandler(data, byMessage, transform).pipe(
            filter((answer) => answer !== undefined && answer !== null),
          ),
        ),
        takeUntil(closed),
      )
      .subscribe((answer) => hub.answer(socket, answer as object));
  }

  override bindErrorHandler(server: Server): Server {
    server.on('connection', (socket) =>
      socket.on('error', (error) =>
        this.socketLogger.warn(`WebSocket client error: ${error.message}`),
      ),
    );
    server.on('error', (error) =>
      this.socketLogger.error(`WebSocket server error: ${error.message}`),
    );
    return server;
  }
}
