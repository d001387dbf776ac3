import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FilePool } from './file-pool.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('FilePool', () => {
  let base: string;
  let pool: FilePool;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'file-pool-'));
    pool = new FilePool(join(base, 'pool'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  const pooledFiles = () => readdirSync(join(base, 'pool'), { recursive: true, withFileTypes: true }).filter((d) => d.isFile());

  it('places one inode per content, mode and time, with that mode and time', () => {
    const data = Buffer.from('hello\n');
    const mtime = new Date(1_600_000_000_000);
    assert.equal(pool.place(join(base, 'a'), data, sha(data), 0o640, mtime), true);
    assert.equal(pool.place(join(base, 'b'), data, sha(data), 0o640, mtime), true);
    const a = lstatSync(join(base, 'a'));
    const b = lstatSync(join(base, 'b'));
    assert.equal(a.ino, b.ino);
    assert.equal(a.nlink, 3); // a, b and the pooled name
    assert.equal(a.mode & 0o7777, 0o640);
    assert.equal(a.mtimeMs, mtime.getTime());
    assert.equal(readFileSync(join(base, 'b'), 'utf8'), 'hello\n');
    // Another mode or time is another inode.
    pool.place(join(base, 'c'), data, sha(data), 0o755, mtime);
    pool.place(join(base, 'd'), data, sha(data), 0o640, new Date(1_600_000_001_000));
    assert.notEqual(lstatSync(join(base, 'c')).ino, a.ino);
    assert.notEqual(lstatSync(join(base, 'd')).ino, a.ino);
    assert.equal(lstatSync(join(base, 'c')).mode & 0o7777, 0o755);
    assert.equal(pooledFiles().length, 3);
  });

  it('a path that exists is an error, never overwritten', () => {
    const data = Buffer.from('x');
    writeFileSync(join(base, 'taken'), 'mine');
    assert.throws(() => pool.place(join(base, 'taken'), data, sha(data), 0o644, new Date(0)), /EEXIST/);
    assert.equal(readFileSync(join(base, 'taken'), 'utf8'), 'mine');
  });

  it('sweep removes pooled files nothing else links to and counts their bytes; all removes every pooled name', () => {
    const kept = Buffer.from('kept by a layer');
    const dropped = Buffer.from('only pooled');
    pool.place(join(base, 'layer-file'), kept, sha(kept), 0o644, new Date(0));
    pool.place(join(base, 'ctx-file'), dropped, sha(dropped), 0o644, new Date(0));
    unlinkSync(join(base, 'ctx-file')); // the build's context folder is gone
    // A leftover of a creation cut short.
    mkdirSync(FilePool.tmpDir(join(base, 'pool')), { recursive: true });
    writeFileSync(join(FilePool.tmpDir(join(base, 'pool')), 'x-0001'), 'partial');
    assert.deepEqual(pool.sweep(), { count: 2, bytes: dropped.length + 'partial'.length });
    assert.equal(pooledFiles().length, 1);
    assert.equal(lstatSync(join(base, 'layer-file')).nlink, 2);
    assert.deepEqual(pool.sweep(true), { count: 0, bytes: 0 });
    assert.equal(pooledFiles().length, 0);
    assert.equal(readFileSync(join(base, 'layer-file'), 'utf8'), 'kept by a layer');
  });

  it('sweep waits while a build uses the pool', () => {
    const d = Buffer.from('in use');
    const release = pool.use();
    pool.place(join(base, 'f'), d, sha(d), 0o644, new Date(0));
    unlinkSync(join(base, 'f'));
    assert.deepEqual(pool.sweep(), { count: 0, bytes: 0 });
    release();
    release();
    assert.deepEqual(pool.sweep(), { count: 1, bytes: d.length });
  });

  it('a pooled file removed under it is made again', () => {
    const d = Buffer.from('again');
    pool.place(join(base, 'one'), d, sha(d), 0o644, new Date(0));
    unlinkSync(join(base, 'one'));
    pool.sweep(true);
    assert.equal(pool.place(join(base, 'two'), d, sha(d), 0o644, new Date(0)), true);
    assert.equal(readFileSync(join(base, 'two'), 'utf8'), 'again');
    // Linking from elsewhere is untouched by it.
    linkSync(join(base, 'two'), join(base, 'three'));
    assert.equal(lstatSync(join(base, 'three')).nlink, 3);
  });
});
