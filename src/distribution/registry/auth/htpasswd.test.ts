import { test } from 'node:test';
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { Htpasswd } from './htpasswd.js';

test('bcrypt htpasswd entries ($2y$ as htpasswd -B writes them) check passwords', async () => {
  const hash = bcrypt.hashSync('pw', 4).replace(/^\$2[ab]\$/, '$2y$');
  const file = new Htpasswd(`# comment\nalice:${hash}\n`);
  assert.equal(await file.check('alice', 'pw'), true);
  assert.equal(await file.check('alice', 'pw'), true, 'cached');
  assert.equal(await file.check('alice', 'PW'), false);
  assert.equal(await file.check('bob', 'pw'), false);
  assert.throws(() => new Htpasswd('carol:{SHA}abc'), /only bcrypt/);
  assert.throws(() => new Htpasswd('nocolon'), /expected user:hash/);
});
