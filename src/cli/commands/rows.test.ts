import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerRow, displayPorts, ellipsis } from './ps-rows.js';
import { imageRows } from './images.js';
import { splitCpArg } from './files.js';
import { startErrorStatus } from './run.js';
import { splitImageRef, withDefaultTag } from './pull.js';
import { parseDetachKeys } from '../stream/hijack-io.js';
import { Demuxer } from '../stream/demux.js';

test('ps row: quoted, truncated command; short id; status as given', () => {
  const now = 1_700_000_010_000;
  const r = containerRow(
    { Id: 'a'.repeat(64), Names: ['/web', '/other/link'], Image: 'busybox', ImageID: 'sha256:' + 'b'.repeat(64), Command: "sh -c 'echo out; echo err >&2'", Created: 1_700_000_000, Status: 'Exited (3) 2 seconds ago', State: 'exited', Labels: { z: '1', a: '2' } },
    true,
    now,
  );
  assert.equal(r.ID, 'aaaaaaaaaaaa');
  assert.equal(r.Command, `"sh -c 'echo out; ec…"`);
  assert.equal(r.RunningFor, '10 seconds ago');
  assert.equal(r.Names, 'web');
  assert.equal(r.Labels, 'a=2,z=1');
  assert.equal(r.Size, '0B');
  assert.equal(ellipsis('abcdef', 4), 'abc…');
  assert.equal(containerRow({ Id: 'x', Image: 'sha256:' + 'c'.repeat(64), ImageID: 'sha256:' + 'c'.repeat(64) }, true).Image, 'cccccccccccc');
});

test('ports display', () => {
  assert.equal(displayPorts([{ PrivatePort: 80, Type: 'tcp', PublicPort: 8080, IP: '0.0.0.0' }, { PrivatePort: 53, Type: 'udp' }]), '53/udp, 0.0.0.0:8080->80/tcp');
  assert.equal(displayPorts([]), '');
});

test('image rows: one per tag, <none> for dangling', () => {
  const base = { Id: 'sha256:' + 'f'.repeat(64), Created: 1_700_000_000, Size: 1_984_000 };
  const rows = imageRows({ ...base, RepoTags: ['bbx:1', 'bbx:2', 'other:latest'] }, true);
  assert.deepEqual(rows.map((r) => `${r.Repository}:${r.Tag}`), ['bbx:1', 'bbx:2', 'other:latest']);
  assert.equal(rows[0].ID, 'ffffffffffff');
  assert.equal(rows[0].Size, '1.98MB');
  const none = imageRows({ ...base, RepoTags: ['<none>:<none>'] }, false);
  assert.equal(none.length, 1);
  assert.equal(none[0].Repository, '<none>');
  assert.equal(none[0].ID, base.Id);
});

test('references, cp arguments, start errors, detach keys', () => {
  assert.deepEqual(splitImageRef('busybox'), { fromImage: 'busybox', tag: 'latest' });
  assert.deepEqual(splitImageRef('localhost:5000/a/b:1'), { fromImage: 'localhost:5000/a/b', tag: '1' });
  assert.equal(withDefaultTag('localhost:5000/x'), 'localhost:5000/x:latest');
  assert.deepEqual(splitCpArg('web:/etc/hosts'), ['web', '/etc/hosts']);
  assert.deepEqual(splitCpArg('./a:b'), [undefined, './a:b']);
  assert.deepEqual(splitCpArg('/tmp/x'), [undefined, '/tmp/x']);
  assert.equal(startErrorStatus('exec: "nosuch": executable file not found in $PATH'), 127);
  assert.equal(startErrorStatus('exec: "/etc/passwd": permission denied'), 126);
  assert.equal(startErrorStatus('something else'), 125);
  assert.deepEqual(parseDetachKeys('ctrl-p,ctrl-q'), [16, 17]);
  assert.deepEqual(parseDetachKeys('a,ctrl-@'), [97, 0]);
  assert.throws(() => parseDetachKeys('ctrl-%%'));
});

test('demuxer splits frames across chunk boundaries', () => {
  const frames: string[] = [];
  const d = new Demuxer((s, p) => frames.push(`${s}:${p.toString()}`));
  const frame = (s: number, text: string) => Buffer.concat([Buffer.from([s, 0, 0, 0, 0, 0, 0, text.length]), Buffer.from(text)]);
  const all = Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n'), frame(1, 'x')]);
  d.push(all.subarray(0, 5));
  d.push(all.subarray(5, 15));
  d.push(all.subarray(15));
  assert.deepEqual(frames, ['1:out\n', '2:err\n', '1:x']);
  assert.equal(d.leftover, 0);
});
