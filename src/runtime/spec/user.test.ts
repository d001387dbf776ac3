import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGroup, parsePasswd, resolveUser } from './user.js';

const passwd = parsePasswd('root:x:0:0:root:/root:/bin/sh\nwharf:x:1000:1000:wharf:/home/wharf:/bin/sh\nweb:x:33:33::/var/www:/bin/false\n');
const groups = parseGroup('root:x:0:\nwheel:x:10:wharf,web\nwharf:x:1000:\nstaff:x:50:\n');

test('empty user is root with home /root', () => {
  assert.deepEqual(resolveUser('', passwd, groups), { uid: 0, gid: 0, additionalGids: [0], home: '/root' });
});

test('a name gives its uid, primary gid, home and member groups', () => {
  assert.deepEqual(resolveUser('wharf', passwd, groups), { uid: 1000, gid: 1000, additionalGids: [1000, 10], home: '/home/wharf' });
});

test('a known uid is looked up like its name', () => {
  assert.deepEqual(resolveUser('33', passwd, groups), { uid: 33, gid: 33, additionalGids: [33, 10], home: '/var/www' });
});

test('an unknown uid is allowed, gid 0, home /', () => {
  assert.deepEqual(resolveUser('4242', passwd, groups), { uid: 4242, gid: 0, additionalGids: [0], home: '/' });
});

test('user:group by name or number; only that group then', () => {
  assert.deepEqual(resolveUser('wharf:staff', passwd, groups), { uid: 1000, gid: 50, additionalGids: [50], home: '/home/wharf' });
  assert.deepEqual(resolveUser('1000:777', passwd, groups), { uid: 1000, gid: 777, additionalGids: [777], home: '/home/wharf' });
});

test('unknown names fail with Docker\'s messages', () => {
  assert.throws(() => resolveUser('ghost', passwd, groups), { message: 'unable to find user ghost: no matching entries in passwd file' });
  assert.throws(() => resolveUser('wharf:ghosts', passwd, groups), { message: 'unable to find group ghosts: no matching entries in group file' });
});

test('group-add appends groups', () => {
  assert.deepEqual(resolveUser('wharf', passwd, groups, ['staff', '99']).additionalGids, [1000, 10, 50, 99]);
});

test('ids out of range are refused', () => {
  assert.throws(() => resolveUser('4294967296', passwd, groups), /uids and gids must be in range/);
});
