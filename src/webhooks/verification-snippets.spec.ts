import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deliveryBody, deliveryHeaders } from './webhook-signing';

/**
 * docs/bot-integration.md shows bots how to verify a delivery, in Node and in Python. This test
 * takes the code out of the page itself (so the page and the test cannot drift apart) and runs
 * it against deliveries signed by the server's own signing code.
 */
const DOC = path.resolve(__dirname, '..', '..', 'docs', 'bot-integration.md');

/** The fenced block right after `<!-- snippet: name -->`. */
function snippet(name: string): string {
  const doc = readFileSync(DOC, 'utf8');
  const found = new RegExp(
    `<!-- snippet: ${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\`\\n`,
  ).exec(doc);
  if (!found) throw new Error(`no snippet "${name}" in ${DOC}`);
  return found[1];
}

const PLAIN_SECRET = 'a-shared-secret-of-some-length';
const GENERATED_SECRET =
  'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');

interface Case {
  what: string;
  headers: Record<string, string>;
  body: string;
  secret: string;
  valid: boolean;
}

function cases(): Case[] {
  const body = deliveryBody('game.added', new Date(), {
    session: { id: 12, is_active: true, games_played: 3 },
    game: { id: 59, title: 'Fibbage 4', pack_name: 'The Jackbox Party Pack 9' },
  });
  const sign = (secret: string, now = new Date(), deliveryId = 41) =>
    deliveryHeaders({ deliveryId, eventType: 'game.added', body, secret, now });
  const good = sign(PLAIN_SECRET);
  const { 'webhook-signature': _dropped, ...withoutStandard } = good;
  return [
    { what: 'signed with the secret', headers: good, body, secret: PLAIN_SECRET, valid: true },
    {
      what: 'signed with a generated whsec_ secret',
      headers: sign(GENERATED_SECRET),
      body,
      secret: GENERATED_SECRET,
      valid: true,
    },
    {
      what: 'one of several signatures matches',
      headers: { ...good, 'webhook-signature': `v1,bm90IGl0 ${good['webhook-signature']}` },
      body,
      secret: PLAIN_SECRET,
      valid: true,
    },
    {
      what: 'signed with another secret',
      headers: sign('another-secret-entirely'),
      body,
      secret: PLAIN_SECRET,
      valid: false,
    },
    {
      what: 'the body changed after signing',
      headers: good,
      body: body.replace('Fibbage 4', 'Fibbage 3'),
      secret: PLAIN_SECRET,
      valid: false,
    },
    {
      what: 'ten minutes old',
      headers: sign(PLAIN_SECRET, new Date(Date.now() - 600_000)),
      body,
      secret: PLAIN_SECRET,
      valid: false,
    },
    {
      what: 'a Standard Webhooks signature for another id',
      headers: { ...good, 'webhook-id': 'msg_42' },
      body,
      secret: PLAIN_SECRET,
      valid: false,
    },
    {
      what: 'a hex signature of something else',
      headers: { ...good, 'x-webhook-signature': 'sha256=' + 'ab'.repeat(32) },
      body,
      secret: PLAIN_SECRET,
      valid: false,
    },
    {
      what: 'no Standard Webhooks signature',
      headers: withoutStandard,
      body,
      secret: PLAIN_SECRET,
      valid: false,
    },
    { what: 'no headers at all', headers: {}, body, secret: PLAIN_SECRET, valid: false },
  ];
}

/** Runs a program in a scratch folder, the cases on its stdin; answers its stdout, parsed. */
function run(command: string, file: string, program: string, input: Case[]): boolean[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'verify-snippet-'));
  try {
    const script = path.join(dir, file);
    writeFileSync(script, program);
    const output = execFileSync(command, [script], {
      input: JSON.stringify(input),
      encoding: 'utf8',
    });
    return JSON.parse(output) as boolean[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the webhook verification snippets of docs/bot-integration.md', () => {
  const input = cases();
  const expected = input.map((c) => [c.what, c.valid]);

  it('the Node.js one accepts what the server signed and refuses the rest', () => {
    const program = `${snippet('verify-node')}
const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
console.log(JSON.stringify(cases.map((c) => verifyWebhook(c.headers, Buffer.from(c.body), c.secret))));
`;
    const results = run(process.execPath, 'verify.js', program, input);
    expect(input.map((c, i) => [c.what, results[i]])).toEqual(expected);
  });

  it('the Python one does the same, where python3 is installed', () => {
    const python = spawnSync('python3', ['--version']).status === 0;
    const code = snippet('verify-python');
    // Wherever there is no Python, the snippet's presence is all that can be checked.
    expect(code).toContain('def verify_webhook(headers, raw_body, secret');
    if (!python) return;
    const program = `${code}


import json
import sys

cases = json.load(sys.stdin)
print(json.dumps([verify_webhook(c["headers"], c["body"].encode(), c["secret"]) for c in cases]))
`;
    const results = run('python3', 'verify.py', program, input);
    expect(input.map((c, i) => [c.what, results[i]])).toEqual(expected);
  });
});
