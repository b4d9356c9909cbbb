import type WebSocket from 'ws';

export class JackboxWebSocketClient {
  constructor(apiURL: string, jwtToken: string);
  apiURL: string;
  ws: WebSocket | null;
  connect(): void;
  reconnect(): void;
  subscribe(sessionId: number): void;
  send(message: object): void;
  broadcastToChat(message: string): void;
}
