import { embeddedIPv4, placeholderHost, refusedAddress } from './address-policy';

const open = { allowPrivate: true, allowedHosts: [] };
const strict = { allowPrivate: false, allowedHosts: ['bot.local'] };

describe('refusedAddress', () => {
  it.each([
    '169.254.169.254',
    '169.254.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '239.255.255.250',
    '255.255.255.255',
    '100.100.100.200',
    'fe80::1',
    'FE80::abcd',
    'ff02::1',
    '::',
    'fd00:ec2::254',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '::ffff:0.0.0.0',
    '0:0:0:0:0:ffff:169.254.169.254',
    '::ffff:0:a9fe:a9fe',
    '::a9fe:a9fe',
    '::169.254.169.254',
    '::0.0.0.2',
    '64:ff9b::169.254.169.254',
    '64:FF9B::a9fe:a9fe',
    '64:ff9b::e000:1',
    '64:ff9b:1::a9fe:a9fe',
    '64:ff9b:1:a9fe:a9:fe00::',
  ])('always refuses %s', (address) => {
    expect(refusedAddress(address, 'example.com', open)).toMatch(/may never reach/);
  });

  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.10',
    '100.64.0.1',
    '::1',
    'fd12::1',
    '::ffff:127.0.0.1',
    '::7f00:1',
    '::10.1.2.3',
    '64:ff9b::192.168.1.10',
    '64:ff9b:1::a00:1',
  ])('allows private %s by default, refuses it when private addresses are off', (address) => {
    expect(refusedAddress(address, 'example.com', open)).toBeUndefined();
    expect(refusedAddress(address, 'example.com', strict)).toMatch(/loopback or private/);
  });

  it('allows a private address for a host on the allow list', () => {
    expect(refusedAddress('192.168.1.10', 'Bot.Local', strict)).toBeUndefined();
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '172.32.0.1',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
    '::808:808',
    '64:ff9b::8.8.8.8',
    '64:ff9b:0:1::a9fe:a9fe',
    '64:ff9b:1::808:808',
  ])('allows public %s', (address) => {
    expect(refusedAddress(address, 'example.com', strict)).toBeUndefined();
  });
});

describe('embeddedIPv4', () => {
  it.each([
    ['::ffff:169.254.169.254', ['169.254.169.254']],
    ['::ffff:a9fe:a9fe', ['169.254.169.254']],
    ['::ffff:0:a9fe:a9fe', ['169.254.169.254']],
    ['::a9fe:a9fe', ['169.254.169.254']],
    ['0:0:0:0:0:0:169.254.169.254', ['169.254.169.254']],
    ['64:ff9b::a9fe:a9fe', ['169.254.169.254']],
    ['64:ff9b::169.254.169.254', ['169.254.169.254']],
  ])('finds the IPv4 address in %s', (address, expected) => {
    expect(embeddedIPv4(address)).toEqual(expected);
  });

  it('tries every translator prefix length of the local-use NAT64 range', () => {
    // /48 puts it in bytes 6-7 and 9-10, /56 in 7 and 9-11, /64 in 9-12, /96 in 12-15.
    expect(embeddedIPv4('64:ff9b:1:a9fe:a9:fe00::')).toContain('169.254.169.254');
    expect(embeddedIPv4('64:ff9b:1:a9:fe:a9fe::')).toContain('169.254.169.254');
    expect(embeddedIPv4('64:ff9b:1:0:a9:fea9:fe00:0')).toContain('169.254.169.254');
    expect(embeddedIPv4('64:ff9b:1::a9fe:a9fe')).toContain('169.254.169.254');
  });

  it('drops local-use readings in 0.0.0.0/8 when another reading is an address', () => {
    expect(embeddedIPv4('64:ff9b:1::808:808')).toEqual(['8.8.8.8']);
    expect(embeddedIPv4('64:ff9b:1::1')).toEqual(['0.0.0.0', '0.0.0.0', '0.0.0.0', '0.0.0.1']);
  });

  it.each(['::', '::1', '2606:4700::1111', 'fe80::1', '64:ff9b:0:1::1'])(
    'finds none in %s',
    (address) => {
      expect(embeddedIPv4(address)).toEqual([]);
    },
  );
});

describe('placeholderHost', () => {
  it.each(['bot.example.invalid', 'example.com', 'hooks.example.org', 'a.test', 'x.example'])(
    'knows %s for a documentation name',
    (host) => {
      expect(placeholderHost(host)).toBe(true);
    },
  );

  it.each(['bot.example.co', 'myexample.com', 'localhost', '127.0.0.1', 'testing.dev'])(
    'lets %s through',
    (host) => {
      expect(placeholderHost(host)).toBe(false);
    },
  );
});
