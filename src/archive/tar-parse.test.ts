import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, rm, symlink, writeFile, link } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { makeTar } from '../../test/support/tar-builder.js';
import { parseTar, type TarHeader } from './tar-parse.js';
import { tarDirectory } from './tar-write.js';
import { applyLayer } from './apply-layer.js';
import { getXattrs, setXattr } from './xattr.js';

async function entries(tar: Buffer | Readable): Promise<Array<TarHeader & { data: string }>> {
  const src = Buffer.isBuffer(tar) ? Readable.from([tar]) : tar;
  const out: Array<TarHeader & { data: string }> = [];
  for await (const { header, body } of parseTar(src)) {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c);
    out.push({ ...header, data: Buffer.concat(chunks).toString() });
  }
  return out;
}

async function withDir(fn: (d: string) => Promise<void>): Promise<void> {
  const d = await mkdtemp(join(tmpdir(), 'wharf-tar-'));
  try {
    await fn(d);
  } finally {
    await rm(d, { recursive: true, force: true });
  }
}

const longName = `${'d'.repeat(80)}/${'f'.repeat(90)}.txt`;
const binary = Buffer.from([0x01, 0x00, 0x00, 0x02, 0xff, 0xfe, 0x80, 0x00]);

test('reads GNU tar archives: GNU long names, POSIX PAX with binary xattrs, base-256 ids', () =>
  withDir(async (d) => {
    const src = join(d, 'src');
    await mkdir(join(src, 'd'.repeat(80)), { recursive: true });
    await writeFile(join(src, longName), 'long');
    await writeFile(join(src, 'bin'), 'x');
    await setXattr(join(src, 'bin'), 'user.bin', binary);
    await symlink('f'.repeat(150), join(src, 'longlink'));
    await link(join(src, 'bin'), join(src, 'hard'));
    for (const format of ['gnu', 'posix']) {
      const tar = execFileSync('tar', ['-C', src, `--format=${format}`, '--xattrs', '--xattrs-include=user.*', '--owner=3000000', '--group=5', '--numeric-owner', '-cf', '-', '.']);
      const list = await entries(tar);
      const byName = new Map(list.map((e) => [e.name.replace(/^\.\//, ''), e]));
      assert.equal(byName.get(longName)?.data, 'long', format);
      assert.equal(byName.get('longlink')?.linkname, 'f'.repeat(150), format);
      assert.equal(byName.get('bin')?.uid, 3000000, format);
      assert.deepEqual([byName.get('hard')?.type, byName.get('bin')?.type].sort(), ['file', 'link'], format);
      assert.equal(byName.get('d'.repeat(80) + '/')?.type ?? byName.get('d'.repeat(80))?.type, 'directory', format);
      const holder = byName.get('bin')?.type === 'file' ? 'bin' : 'hard';
      if (format === 'posix') assert.deepEqual(byName.get(holder)?.xattrs.get('user.bin'), binary);
    }
  }));

test('reads what tar-stream writes and rejects corrupt headers', async () => {
  const tar = await makeTar([
    { name: 'a', body: 'hello', mode: 0o4755, uid: 7, gid: 8, mtime: new Date('2021-05-06T07:08:09Z') },
    { name: 'dir', type: 'directory' },
    { name: 'dev', type: 'character-device', devmajor: 4, devminor: 5 },
  ]);
  const list = await entries(tar);
  assert.deepEqual(list.map((e) => [e.name, e.type]), [['a', 'file'], ['dir', 'directory'], ['dev', 'character-device']]);
  assert.equal(list[0].data, 'hello');
  assert.equal(list[0].mode, 0o4755);
  assert.equal(list[0].mtime.toISOString(), '2021-05-06T07:08:09.000Z');
  assert.equal(list[2].devmajor, 4);
  const bad = Buffer.from(tar);
  bad[0] ^= 0xff;
  await assert.rejects(entries(bad), /checksum/);
  await assert.rejects(entries(Buffer.alloc(0)), /empty input/);
  await assert.rejects(entries(tar.subarray(0, 600)), /unexpected end/);
});

test('tarDirectory writes long names, links, devices and binary xattrs that read back byte for byte', () =>
  withDir(async (d) => {
    const src = join(d, 'src');
    await mkdir(join(src, 'd'.repeat(80)), { recursive: true });
    await writeFile(join(src, longName), 'long');
    await writeFile(join(src, 'bin'), 'x');
    await setXattr(join(src, 'bin'), 'user.bin', binary);
    await link(join(src, 'bin'), join(src, 'hard'));
    await symlink('t'.repeat(200), join(src, 'sym'));
    execFileSync('mknod', [join(src, 'null'), 'c', '1', '3']);
    execFileSync('chown', ['3000000:7', join(src, 'bin')]);
    const list = await entries(tarDirectory(src, { overlay: false, xattrs: true }));
    const byName = new Map(list.map((e) => [e.name, e]));
    assert.equal(byName.get(longName)?.data, 'long');
    assert.deepEqual(byName.get('bin')?.xattrs.get('user.bin'), binary);
    assert.equal(byName.get('bin')?.uid, 3000000);
    assert.equal(byName.get('hard')?.type, 'link');
    assert.equal(byName.get('hard')?.linkname, 'bin');
    assert.equal(byName.get('sym')?.linkname, 't'.repeat(200));
    assert.equal(byName.get('null')?.devminor, 3);
    // GNU tar agrees with the writer.
    const out = join(d, 'out');
    await mkdir(out);
    const tar = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      tarDirectory(src, { overlay: false, xattrs: true }).on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
    });
    execFileSync('tar', ['-C', out, '--xattrs', '--xattrs-include=*', '-xf', '-'], { input: tar });
    assert.equal((await lstat(join(out, longName))).size, 4);
    assert.deepEqual((await getXattrs(join(out, 'bin'))).get('user.bin'), binary);
    // And so does applyLayer.
    const applied = join(d, 'applied');
    await mkdir(applied);
    await applyLayer(applied, Readable.from([tar]), { whiteouts: 'direct' });
    assert.deepEqual((await getXattrs(join(applied, 'bin'))).get('user.bin'), binary);
    assert.equal((await lstat(join(applied, 'bin'))).uid, 3000000);
  }));
