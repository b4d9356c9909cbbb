import { createHmac } from 'node:crypto';
import { deliveryHeaders, guideSignature, standardSignature, USER_AGENT } from './webhook-signing';

const BODY = '{"event":"vote.received","data":{"id":1}}';
const SECRET = 'test-secret';
// 2025-11-28T20:34:56Z
const UNIX = 1764362096;
// 32 key bytes 0x00..0x1f: not valid UTF-8 text, so only a real base64 decode yields them.
const WHSEC = 'whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const WHSEC_KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i));

/** The receiver's side, written out here rather than borrowed from the code under test. */
const hmac = (key: string | Buffer, text: string, encoding: 'hex' | 'base64') =>
  createHmac('sha256', key).update(Buffer.from(text, 'utf8')).digest(encoding);

describe('guideSignature', () => {
  // Known answer from the shell:
  //   printf '%s' '{"event":"vote.received","data":{"id":1}}' | openssl dgst -sha256 -hmac 'test-secret'
  it('matches a known HMAC-SHA256 computed with openssl', () => {
    expect(guideSignature(BODY, SECRET)).toBe(
      'sha256=add3f513e635e12491b0510db8f2c457dd5cb8f08f8dd6b257ac5a9b831a02d4',
    );
  });

  it('is sha256= followed by the lower-case hex HMAC of the exact body', () => {
    const signature = guideSignature(BODY, 'another secret');
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signature).toBe('sha256=' + hmac('another secret', BODY, 'hex'));
  });

  it('signs the UTF-8 bytes of a body that is not ASCII', () => {
    const body = '{"title":"Quiplash 3 — Drôle 🎉"}';
    expect(guideSignature(body, SECRET)).toBe('sha256=' + hmac(SECRET, body, 'hex'));
  });

  it('changes when the body differs by one byte', () => {
    const other = BODY.replace('"id":1', '"id":2');
    expect(other).toHaveLength(BODY.length);
    expect(guideSignature(other, SECRET)).not.toBe(guideSignature(BODY, SECRET));
  });

  it('changes when the body gains a trailing space or newline', () => {
    expect(guideSignature(BODY + ' ', SECRET)).not.toBe(guideSignature(BODY, SECRET));
    expect(guideSignature(BODY + '\n', SECRET)).not.toBe(guideSignature(BODY, SECRET));
  });

  it('changes with the secret', () => {
    expect(guideSignature(BODY, SECRET + 'x')).not.toBe(guideSignature(BODY, SECRET));
  });
});

describe('standardSignature', () => {
  // Known answer from the shell:
  //   printf '%s' 'msg_42.1764362096.{"event":"vote.received","data":{"id":1}}' \
  //     | openssl dgst -sha256 -hmac 'test-secret' -binary | base64
  it('matches a known HMAC-SHA256 of id.timestamp.body computed with openssl', () => {
    expect(standardSignature('msg_42', UNIX, BODY, SECRET)).toBe(
      'v1,Z9u5aEs8iwRKXD5g0QLCQQAwghCQBwyhKRPE6Hn+ygE=',
    );
  });

  // Known answer from the shell, with the key given as the bytes the base64 decodes to:
  //   printf '%s' 'msg_42.1764362096.{...}' | openssl dgst -sha256 -mac HMAC \
  //     -macopt hexkey:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f -binary | base64
  it('keys a whsec_ secret with the bytes its base64 decodes to (known openssl answer)', () => {
    expect(standardSignature('msg_42', UNIX, BODY, WHSEC)).toBe(
      'v1,m45663zrx6IO3WBdHnRIvLJDn/k3a5Q9V22bPt127Bs=',
    );
  });

  it('does not key a whsec_ secret with its text', () => {
    // The same HMAC keyed by the secret as typed: what a wrong implementation would send.
    const asText = 'v1,Mb4Cl+jeV7Mqs99kThH5NHsTsPlF5192/Jd/jbbrqe0=';
    expect(hmac(WHSEC, `msg_42.${UNIX}.${BODY}`, 'base64')).toBe(asText.slice(3));
    expect(standardSignature('msg_42', UNIX, BODY, WHSEC)).not.toBe(asText);
  });

  it('is v1, followed by the base64 HMAC of <id>.<timestamp>.<body>', () => {
    const signature = standardSignature('msg_7', 1700000000, BODY, 'plain secret');
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(signature).toBe('v1,' + hmac('plain secret', `msg_7.1700000000.${BODY}`, 'base64'));
  });

  it('uses the decoded key for any whsec_ secret', () => {
    const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
    const secret = 'whsec_' + key.toString('base64');
    expect(standardSignature('msg_7', 1700000000, BODY, secret)).toBe(
      'v1,' + hmac(key, `msg_7.1700000000.${BODY}`, 'base64'),
    );
  });

  it('keys a secret that merely contains whsec_ later on with its text', () => {
    const secret = 'my-whsec_secret';
    expect(standardSignature('msg_7', 1700000000, BODY, secret)).toBe(
      'v1,' + hmac(secret, `msg_7.1700000000.${BODY}`, 'base64'),
    );
  });

  it('changes when the body differs by one byte', () => {
    const other = BODY.replace('"id":1', '"id":2');
    expect(standardSignature('msg_42', UNIX, other, SECRET)).not.toBe(
      standardSignature('msg_42', UNIX, BODY, SECRET),
    );
  });

  it('changes with the id and with the timestamp, so neither can be replayed on another', () => {
    const signature = standardSignature('msg_42', UNIX, BODY, SECRET);
    expect(standardSignature('msg_43', UNIX, BODY, SECRET)).not.toBe(signature);
    expect(standardSignature('msg_42', UNIX + 1, BODY, SECRET)).not.toBe(signature);
  });

  it('differs from the X-Webhook-Signature signature for the same body and secret', () => {
    expect(standardSignature('msg_42', UNIX, BODY, SECRET).slice(3)).not.toBe(
      Buffer.from(guideSignature(BODY, SECRET).slice(7), 'hex').toString('base64'),
    );
  });
});

describe('deliveryHeaders', () => {
  const args = {
    deliveryId: 42,
    eventType: 'vote.received',
    body: BODY,
    secret: SECRET,
    // Mid-second: the timestamp must be whole seconds, rounded down.
    now: new Date('2025-11-28T20:34:56.999Z'),
  };

  it('carries every header, signed as a receiver would check them', () => {
    expect(deliveryHeaders(args)).toEqual({
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'x-webhook-event': 'vote.received',
      'x-webhook-signature': 'sha256=' + hmac(SECRET, BODY, 'hex'),
      'x-webhook-id': 'msg_42',
      'x-webhook-timestamp': '1764362096',
      'webhook-id': 'msg_42',
      'webhook-timestamp': '1764362096',
      'webhook-signature': 'v1,' + hmac(SECRET, `msg_42.1764362096.${BODY}`, 'base64'),
    });
  });

  it('sends the user agent the receivers are told about', () => {
    expect(USER_AGENT).toBe('Jackbox-Game-Picker-Webhook/1.0');
  });

  it('gives the timestamp in Unix seconds, not milliseconds', () => {
    const headers = deliveryHeaders({ ...args, now: new Date(UNIX * 1000) });
    expect(headers['webhook-timestamp']).toBe(String(UNIX));
    expect(headers['x-webhook-timestamp']).toBe(String(UNIX));
  });

  it('keeps the ids of a delivery on a retry, while the timestamp and signature move on', () => {
    const first = deliveryHeaders(args);
    const retry = deliveryHeaders({ ...args, now: new Date('2025-11-28T20:35:06Z') });
    expect(retry['webhook-id']).toBe(first['webhook-id']);
    expect(retry['x-webhook-id']).toBe(first['x-webhook-id']);
    expect(retry['x-webhook-signature']).toBe(first['x-webhook-signature']);
    expect(retry['webhook-timestamp']).toBe('1764362106');
    expect(retry['webhook-signature']).not.toBe(first['webhook-signature']);
  });

  it('marks a test send with X-Webhook-Test, and only a test send', () => {
    expect(deliveryHeaders({ ...args, test: true })).toEqual({
      ...deliveryHeaders(args),
      'x-webhook-test': 'true',
    });
    expect(deliveryHeaders({ ...args, test: false })).not.toHaveProperty('x-webhook-test');
  });

  it('gives different deliveries different ids', () => {
    expect(deliveryHeaders({ ...args, deliveryId: 43 })['webhook-id']).toBe('msg_43');
  });

  it('signs the Standard Webhooks header with the decoded key of a whsec_ secret', () => {
    const headers = deliveryHeaders({ ...args, secret: WHSEC });
    expect(headers['webhook-signature']).toBe(
      'v1,' + hmac(WHSEC_KEY, `msg_42.1764362096.${BODY}`, 'base64'),
    );
    // The X-Webhook-Signature signature has no key encoding: it uses the secret as typed.
    expect(headers['x-webhook-signature']).toBe('sha256=' + hmac(WHSEC, BODY, 'hex'));
  });
});
