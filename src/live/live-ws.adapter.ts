import { Logger, type INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { Server } from 'ws';
import { parseClientFrame } from './live-protocol';

/**
 * The `ws` adapter with the bots' `{type: ...}` messages. Socket errors are client
 * mistakes (an oversized frame, a bad handshake): logged as warnings, not as server faults.
 */
export class LiveWsAdapter extends WsAdapter {
  private readonly socketLogger = new Logger('LiveWsAdapter');

  constructor(app: INestApplicationContext) {
    super(app, { messageParser: parseClientFrame });
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
