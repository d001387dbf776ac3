import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { request } from 'node:http';
import { streamToBuffer } from '../../src/content/local-content-store.js';
import { busyboxTar, streamOf, tempStorage } from './helpers.js';
import { startDockerd } from './dockerd.js';

/** GET on a daemon's unix socket, parsed as JSON. */
function apiGet(host: string, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: host.replace(/^unix:\/\//, ''), path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
    });
    req.on('error', reject);
    req.end();
  });
}

test("load what Docker's `docker save` writes, and Docker loads what Wharf saves", async () => {
  const dockerd = await startDockerd();
  const s = await tempStorage();
  try {
    const tag = `wharftest/bb:${process.pid}`;
    const imported = (await dockerd.docker(['import', '--change', 'CMD ["sh"]', '-', tag], await busyboxTar())).toString().trim();
    assert.match(imported, /^sha256:[a-f0-9]{64}$/);
    const saved = await dockerd.docker(['save', tag]);

    const loaded = await s.images.load(streamOf(saved));
    assert.deepEqual(loaded.tags, [tag]);
    const img = await s.images.get(tag);
    assert.equal(img.id, imported, 'same image ID as Docker');
    assert.deepEqual(img.config.config?.Cmd, ['sh']);
    const dockerDiffIds = JSON.parse((await dockerd.docker(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', tag])).toString()) as string[];
    assert.deepEqual(img.config.rootfs.diff_ids, dockerDiffIds);
    const dockerHistory = await apiGet(dockerd.host, `/v1.41/images/${encodeURIComponent(tag)}/history`);
    assert.deepEqual(await s.images.history(tag), dockerHistory, 'history rows as dockerd returns them');
    const dockerSize = Number((await dockerd.docker(['image', 'inspect', '--format', '{{.Size}}', tag])).toString().trim());
    assert.equal(img.size, dockerSize, 'image size as dockerd counts it');
    await s.snapshotter.ensureLayers(img);

    // The other way: Wharf's save (manifest.json + OCI layout) loads into Docker 20.10.
    await s.images.tag(tag, 'wharf-saved:rt');
    await dockerd.docker(['rmi', tag]);
    const out = new PassThrough();
    const [, bytes] = await Promise.all([s.images.save(['wharf-saved:rt'], out), streamToBuffer(out)]);
    const msg = (await dockerd.docker(['load'], bytes)).toString();
    assert.match(msg, /Loaded image: wharf-saved:rt/);
    const id = (await dockerd.docker(['image', 'inspect', '--format', '{{.Id}}', 'wharf-saved:rt'])).toString().trim();
    assert.equal(id, img.id);

    // The same image under the same names on both sides: rmi reports the same lines.
    await dockerd.docker(['tag', 'wharf-saved:rt', 'second:name']);
    await s.images.tag('wharf-saved:rt', 'second:name');
    await s.images.remove(tag, {});
    const id12 = img.id.slice(7, 19);
    const dockerOut = (await dockerd.docker(['rmi', '-f', id12])).toString().trim().split('\n');
    const wharfOut = (await s.images.remove(id12, { force: true })).map((r) => (r.Untagged ? `Untagged: ${r.Untagged}` : `Deleted: ${r.Deleted}`));
    assert.deepEqual(wharfOut, dockerOut);
  } finally {
    await dockerd.stop();
    await s.cleanup();
  }
});

test("docker diff: Wharf reports what Docker's daemon reports for the same container changes", async () => {
  const dockerd = await startDockerd();
  const s = await tempStorage();
  try {
    const script = [
      'echo new > /etc/newfile', 'echo x >> /etc/passwd', 'rm /bin/vi', 'rm -rf /home', 'mkdir /home', 'touch /home/x',
      'mkdir -p /opq/sub', 'touch /opq/sub/f', 'chmod 700 /root', 'ln -s /x /tmp/link', 'rm -rf /usr', 'mkdir -p /var/new',
    ].join('; ');
    const tar = await busyboxTar();
    await dockerd.docker(['import', '-', 'diffbase'], tar);
    await dockerd.docker(['run', '--name', `wd${process.pid}`, '--network', 'none', 'diffbase', 'sh', '-c', script]);
    const docker = (await dockerd.docker(['diff', `wd${process.pid}`])).toString().trim().split('\n').sort();

    const img = await s.images.importRootfs(streamOf(tar), {});
    await s.snapshotter.createContainerLayer('d', img);
    const m = join(s.root, 'mnt', 'd');
    s.mounts.push(m);
    await s.snapshotter.mount('d', m);
    execFileSync('chroot', [m, '/bin/sh', '-c', script]);
    await s.snapshotter.unmount('d', m);
    const wharf = (await s.snapshotter.diff('d')).map((c) => `${'CAD'[c.Kind]} ${c.Path}`).sort();
    assert.deepEqual(wharf, docker);
    const sizeRw = Number((await dockerd.docker(['inspect', '-s', '--format', '{{.SizeRw}}', `wd${process.pid}`])).toString().trim());
    assert.equal(await s.snapshotter.containerLayerSize('d'), sizeRw, 'SizeRw as dockerd counts it');
  } finally {
    await dockerd.stop();
    await s.cleanup();
  }
});
