import { refusedAddress } from './address-policy';

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
  ])('allows private %s by default, refuses it when private addresses are off', (address) => {
    expect(refusedAddress(address, 'example.com', open)).toBeUndefined();
    expect(refusedAddress(address, 'example.com', strict)).toMatch(/loopback or private/);
  });

  it('allows a private address for a host on the allow list', () => {
    expect(refusedAddress('192.168.1.10', 'Bot.Local', strict)).toBeUndefined();
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111'])(
    'allows public %s',
    (address) => {
      expect(refusedAddress(address, 'example.com', strict)).toBeUndefined();
    },
  );
});
