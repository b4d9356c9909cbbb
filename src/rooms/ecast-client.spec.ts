import { defaultEcastDomain, isAllowedHost, playUrl } from './ecast-client';
import { parseError, parseFrame } from './ecast-frames';

describe('ecast client addresses', () => {
  const base = { role: 'shard', name: 'GamePicker', userId: 'gp-1', code: 'ABCD' };

  it('uses wss for an https base URL and ws for an http one', () => {
    const secure = playUrl({
      ...base,
      endpoint: { baseUrl: 'https://ecast.jackboxgames.com' },
      host: 'ecast-prod-use2.jackboxgames.com',
    });
    expect(secure.href).toBe(
      'wss://ecast-prod-use2.jackboxgames.com/api/v2/rooms/ABCD/play?role=shard&name=GamePicker&format=json&user-id=gp-1',
    );
    const plain = playUrl({
      ...base,
      endpoint: { baseUrl: 'http://127.0.0.1:4000' },
      host: '127.0.0.1:4000',
    });
    expect(plain.protocol).toBe('ws:');
  });

  it('adds the reconnect credentials when it has them', () => {
    const url = playUrl({
      ...base,
      endpoint: { baseUrl: 'https://ecast.jackboxgames.com' },
      host: 'ecast.jackboxgames.com',
      reconnect: { id: 7, secret: 'x', deviceId: 'd' },
    });
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      id: '7',
      secret: 'x',
      'device-id': 'd',
    });
  });

  it('accepts play servers under the ecast domain only', () => {
    const domain = defaultEcastDomain('https://ecast.jackboxgames.com');
    expect(domain).toBe('jackboxgames.com');
    expect(isAllowedHost('ecast-prod-use2.jackboxgames.com', domain)).toBe(true);
    expect(isAllowedHost('ecast.jackboxgames.com:443', domain)).toBe(true);
    expect(isAllowedHost('jackboxgames.com.attacker.example', domain)).toBe(false);
    expect(isAllowedHost('evil-jackboxgames.com', domain)).toBe(false);
    expect(isAllowedHost('user@ecast.jackboxgames.com', domain)).toBe(false);
    expect(isAllowedHost('ecast.jackboxgames.com/path', domain)).toBe(false);
    expect(defaultEcastDomain('http://127.0.0.1:4000')).toBe('127.0.0.1');
    expect(isAllowedHost('127.0.0.1:4000', '127.0.0.1')).toBe(true);
  });
});

describe('ecast frames', () => {
  it('reads notifications, replies and the opcode under its older name', () => {
    expect(parseFrame('{"pc":3,"opcode":"room/lock","result":{}}')).toEqual({
      pc: 3,
      re: undefined,
      opcode: 'room/lock',
      result: {},
    });
    expect(parseFrame('{"re":1,"type":"ok","result":{}}')?.opcode).toBe('ok');
    expect(parseFrame('not json')).toBeUndefined();
    expect(parseFrame('[1,2]')).toBeUndefined();
    expect(parseFrame('{"pc":1}')).toBeUndefined();
  });

  it('reads error codes from code, or from error as some servers send it', () => {
    expect(parseError({ code: 2014, msg: 'requested role does not exist' })).toEqual({
      code: 2014,
      msg: 'requested role does not exist',
    });
    expect(parseError({ error: '2013' }).code).toBe(2013);
    expect(parseError(null)).toEqual({});
  });
});
