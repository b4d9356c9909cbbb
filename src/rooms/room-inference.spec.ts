import type { EcastFrame } from './ecast-frames';
import { MAX_PLAYERS_LIMIT } from '../common/validators';
import { lobbyBlob, postGameBlob } from '../../test/support/fake-ecast';
import { RoomInference, type RoomTransition } from './room-inference';

// The blobs the fake ecast server plays, so the unit and end-to-end tests agree on them.
const lobby = lobbyBlob;
const postGame = postGameBlob;

const here = (...names: string[]) =>
  Object.fromEntries([
    ['1', { id: 1, roles: { host: {} } }],
    ...names.map((name, i) => [String(i + 2), { id: i + 2, roles: { player: { name } } }]),
  ]);

function welcome(room: unknown, players: string[], opts: { key?: string; text?: boolean } = {}) {
  const key = opts.key ?? 'room';
  const val = opts.text ? JSON.stringify(room) : room;
  return {
    pc: 10,
    opcode: 'client/welcome',
    result: {
      id: 1000001,
      secret: 'secret',
      reconnect: false,
      entities: { [key]: [opts.text ? 'text' : 'object', { key, val, version: 1, from: 1 }, {}] },
      here: here(...players),
      profile: null,
    },
  };
}
const update = (val: unknown, key = 'room', opcode = 'object'): EcastFrame => ({
  pc: 20,
  opcode,
  result: { key, val: opcode === 'text' ? JSON.stringify(val) : val, version: 2, from: 1 },
});
const frame = (opcode: string, result: unknown = {}): EcastFrame => ({ pc: 30, opcode, result });

function play(inference: RoomInference, frames: EcastFrame[]): RoomTransition[] {
  return frames.flatMap((f) => inference.applyFrame(f));
}
const types = (transitions: RoomTransition[]) =>
  transitions.map((t) =>
    t.type === 'lobby.player-joined'
      ? `${t.type}:${t.player.name}`
      : 'gameNumber' in t
        ? `${t.type}:${t.gameNumber}`
        : t.type,
  );

describe('RoomInference on a Quiplash 3 room (room object, Logo state)', () => {
  it('follows a room from two players in the lobby to a closed room, each change once', () => {
    const room = new RoomInference('ABCD');
    room.applyLookup({ appTag: 'quiplash3', maxPlayers: 8, minPlayers: 3, locked: false });
    const seen = play(room, [
      welcome(lobby('WaitingForMore'), ['ALICE', 'BOB']),
      frame('client/connected', { id: 4, name: 'CAROL', role: 'player', reconnect: false }),
      update(
        lobby('CanStart', { textDescriptions: [{ category: 'Joined', text: 'CAROL joined.' }] }),
      ),
      update(lobby('Countdown')),
      frame('room/lock'),
      update({ state: 'Logo', locale: 'en', textDescriptions: [] }),
      update({ state: 'Logo', locale: 'en', textDescriptions: [{ id: 1 }] }),
      update(postGame),
      frame('artifact', { key: 'artifact', artifactId: 'abc' }),
      frame('room/exit', { cause: 5 }),
      update(lobby('CanStart')),
    ]);
    expect(types(seen)).toEqual([
      'room.connected',
      'lobby.player-joined:CAROL',
      'lobby.updated',
      'lobby.updated',
      'game.started:1',
      'game.ended:1',
      'room.disconnected',
    ]);
    expect(room.state()).toMatchObject({
      appTag: 'quiplash3',
      maxPlayers: 8,
      playerCount: 3,
      players: ['ALICE', 'BOB', 'CAROL'],
      gameStarted: true,
      gameFinished: true,
      closed: true,
    });
  });

  it('reads the welcome snapshot: players from here, host excluded, lobby state', () => {
    const room = new RoomInference('ABCD');
    room.applyFrame(welcome(lobby('WaitingForMore'), ['ALICE', 'BOB']));
    expect(room.state()).toMatchObject({
      playerCount: 2,
      players: ['ALICE', 'BOB'],
      phase: 'lobby',
      lobbyState: 'WaitingForMore',
      gameCanStart: false,
      gameStarted: false,
    });
  });

  it('starts the game on the first non-lobby state even without room/lock', () => {
    const room = new RoomInference('ABCD');
    const seen = play(room, [
      welcome(lobby('CanStart'), ['A', 'B', 'C']),
      update({ state: 'Logo' }),
      update({ state: 'EnterSingleText' }),
    ]);
    expect(types(seen)).toEqual(['room.connected', 'game.started:1']);
  });

  it('starts the game on the lookup answering locked, and not again on the next state', () => {
    const room = new RoomInference('ABCD');
    room.applyFrame(welcome(lobby('CanStart'), ['A', 'B', 'C']));
    expect(types(room.applyLookup({ locked: true }))).toEqual(['game.started:1']);
    expect(types(room.applyFrame(update({ state: 'Logo' })))).toEqual([]);
    expect(types(room.applyFrame(frame('room/lock')))).toEqual([]);
  });

  it('ends on gameFinished alone, and on an artifact frame alone', () => {
    const a = new RoomInference('ABCD');
    play(a, [welcome(lobby('CanStart'), []), update({ state: 'Logo' })]);
    expect(types(a.applyFrame(update({ state: 'Logo', gameFinished: true })))).toEqual([
      'game.ended:1',
    ]);
    const b = new RoomInference('ABCD');
    play(b, [welcome(lobby('CanStart'), []), update({ state: 'Logo' })]);
    expect(types(b.applyFrame(frame('artifact', { key: 'x' })))).toEqual(['game.ended:1']);
    expect(types(b.applyFrame(update(postGame)))).toEqual([]);
  });

  it('counts a second game in the same room as a new game, started and ended once', () => {
    const room = new RoomInference('ABCD');
    const seen = play(room, [
      welcome(lobby('CanStart'), ['A', 'B', 'C']),
      update({ state: 'Logo' }),
      update(postGame),
      update(lobby('CanStart')),
      update(lobby('Countdown')),
      frame('room/lock'),
      update({ state: 'Logo' }),
      update(postGame),
    ]);
    expect(types(seen)).toEqual([
      'room.connected',
      'game.started:1',
      'game.ended:1',
      'lobby.reopened:2',
      'lobby.updated',
      'game.started:2',
      'game.ended:2',
    ]);
  });

  it('never lowers the player count and never counts a player twice', () => {
    const room = new RoomInference('ABCD');
    room.applyFrame(welcome(lobby('CanStart'), ['A', 'B', 'C']));
    room.applyFrame(frame('client/disconnected', { id: 2, role: 'player' }));
    const again = room.applyFrame(frame('client/connected', { id: 2, name: 'A', role: 'player' }));
    expect(again).toEqual([]);
    room.applyFrame(frame('client/connected', { id: 9, name: 'AUD', role: 'audience' }));
    expect(room.state().playerCount).toBe(3);
  });

  it('joined after the end: finished, with no start or end announced', () => {
    const room = new RoomInference('ABCD');
    expect(types(room.applyFrame(welcome(postGame, ['A'])))).toEqual(['room.connected']);
    expect(room.state()).toMatchObject({ gameFinished: true, phase: 'post-game' });
  });

  it('joined mid-game: the game is announced as started once', () => {
    const room = new RoomInference('ABCD');
    const seen = play(room, [welcome({ state: 'Logo' }, ['A']), update({ state: 'Logo' })]);
    expect(types(seen)).toEqual(['room.connected', 'game.started:1']);
  });

  describe('taking over a room another watcher recorded', () => {
    const started = { gameStarted: true, gameFinished: false, lobbyState: 'Countdown' };

    it('a game recorded as started is not announced again, by state, lock or lookup', () => {
      const room = new RoomInference('ABCD', started);
      const seen = [
        ...room.applyLookup({ appTag: 'quiplash3', locked: true }),
        ...play(room, [welcome({ state: 'Logo' }, ['A', 'B', 'C']), frame('room/lock')]),
      ];
      expect(types(seen)).toEqual(['room.connected']);
      expect(room.state()).toMatchObject({ gameStarted: true, phase: 'playing', playerCount: 3 });
      expect(types(room.applyFrame(update(postGame)))).toEqual(['game.ended:1']);
    });

    it('a game that ended while nobody watched is announced as ended, once', () => {
      const room = new RoomInference('ABCD', started);
      const seen = play(room, [welcome(postGame, ['A']), update(postGame)]);
      expect(types(seen)).toEqual(['room.connected', 'game.ended:1']);
    });

    it('a room back in its lobby after the recorded game: that game ended', () => {
      const room = new RoomInference('ABCD', started);
      const seen = room.applyFrame(welcome(lobby('CanStart'), ['A']));
      expect(types(seen)).toEqual(['room.connected', 'game.ended:1', 'lobby.reopened:2']);
    });

    it('a lobby recorded before: a game that started and ended unseen is announced', () => {
      const lobbyOnly = { gameStarted: false, gameFinished: false, lobbyState: 'CanStart' };
      const room = new RoomInference('ABCD', lobbyOnly);
      const seen = room.applyFrame(welcome(postGame, ['A']));
      expect(types(seen)).toEqual(['room.connected', 'game.started:1', 'game.ended:1']);
    });
  });

  it('a reconnect welcome announces only what changed while away', () => {
    const room = new RoomInference('ABCD');
    play(room, [welcome(lobby('CanStart'), ['A', 'B']), update({ state: 'Logo' })]);
    const back = welcome({ state: 'Logo' }, ['A', 'B', 'C']);
    (back.result as { reconnect: boolean }).reconnect = true;
    expect(types(room.applyFrame(back))).toEqual(['lobby.player-joined:C']);
  });

  it('probe welcomes add players but never start or end the game', () => {
    const room = new RoomInference('ABCD');
    room.applyFrame(welcome(lobby('WaitingForMore'), ['A', 'B']));
    const probe = welcome(postGame, ['A', 'B', 'C']).result;
    expect(types(room.applyProbeWelcome(probe))).toEqual(['lobby.player-joined:C']);
    expect(room.state()).toMatchObject({ gameStarted: false, gameFinished: false, phase: 'lobby' });
  });

  it('ignores replies, unknown opcodes, other entities and unreadable blobs', () => {
    const room = new RoomInference('ABCD');
    room.applyFrame(welcome(lobby('CanStart'), []));
    const seen = play(room, [
      { pc: 1, re: 1, opcode: 'object', result: { key: 'room', val: { state: 'Logo' } } },
      frame('audience/pn-counter', { key: 'audience', count: 3 }),
      update({ state: 'Logo' }, 'player:4'),
      update('not json', 'bc:room', 'object'),
      frame('object', null),
    ]);
    expect(seen).toEqual([]);
  });
});

describe('RoomInference on a Blobcast-era room (bc:room as text, Gameplay state)', () => {
  it('follows lobby, Gameplay and PostGame from JSON text updates', () => {
    const room = new RoomInference('WXYZ');
    const seen = play(room, [
      welcome(lobby('WaitingForMore'), ['A', 'B'], { key: 'bc:room', text: true }),
      update(lobby('CanStart'), 'bc:room', 'text'),
      update({ state: 'Gameplay' }, 'bc:room', 'text'),
      update({ state: 'Gameplay', round: 2 }, 'bc:room', 'text'),
      update({ state: 'Lobby', lobbyState: 'PostGame' }, 'bc:room', 'text'),
    ]);
    expect(types(seen)).toEqual([
      'room.connected',
      'lobby.updated',
      'game.started:1',
      'game.ended:1',
    ]);
    expect(room.state()).toMatchObject({ gameState: 'Lobby', lobbyState: 'PostGame' });
  });

  it('reads lobby states folded into the state name and post-game state names', () => {
    const room = new RoomInference('WXYZ');
    const seen = play(room, [
      welcome({ state: 'Lobby_WaitingForMore' }, ['A'], { key: 'bc:room', text: true }),
      update({ state: 'Lobby_CanStart' }, 'bc:room', 'text'),
      update({ state: 'Gameplay_Logo' }, 'bc:room', 'text'),
      update({ state: 'Credits' }, 'bc:room', 'text'),
    ]);
    expect(types(seen)).toEqual([
      'room.connected',
      'lobby.updated',
      'game.started:1',
      'game.ended:1',
    ]);
    expect(room.state().lobbyState).toBeNull();
  });

  it('with no room updates at all, starts on room/lock and still closes on room/exit', () => {
    const room = new RoomInference('WXYZ');
    const seen = play(room, [
      { pc: 1, opcode: 'client/welcome', result: { id: 5, entities: {}, here: here('A', 'B') } },
      frame('room/lock'),
      frame('room/exit', { cause: 5 }),
    ]);
    expect(types(seen)).toEqual(['room.connected', 'game.started:1', 'room.disconnected']);
  });
});

describe('RoomInference on what no game sends', () => {
  it('holds a roster at MAX_PLAYERS_LIMIT players: each join past it would carry the whole list', () => {
    const room = new RoomInference('ABCD');
    const names = Array.from({ length: 150 }, (_, i) => `P${i}`);
    play(room, [welcome(lobby('WaitingForMore'), names.slice(0, 120))]);
    const joins = play(room, [
      frame('client/connected', { id: 500, name: 'LATE', role: 'player', reconnect: false }),
    ]);
    expect(joins).toEqual([]);
    expect(room.state().playerCount).toBe(MAX_PLAYERS_LIMIT);
  });

  it('cuts names and states at 64 characters and writes control characters as U+FFFD', () => {
    const room = new RoomInference('ABCD');
    const seen = play(room, [
      welcome({ state: 'Lobby', lobbyState: `Can\u0000Start` }, [`AL\u0000ICE`]),
      frame('client/connected', { id: 9, name: 'B'.repeat(500), role: 'player', reconnect: false }),
    ]);
    expect(types(seen)).toEqual(['room.connected', `lobby.player-joined:${'B'.repeat(64)}`]);
    expect(room.state()).toMatchObject({
      players: ['AL\uFFFDICE', 'B'.repeat(64)],
      lobbyState: 'Can\uFFFDStart',
    });
  });
});
