import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { pack } from 'tar-stream';

const BUSYBOX = '/bin/busybox';

/**
 * A minimal busybox root filesystem as a tar (Debian's busybox-static plus one symlink per
 * applet), the base image of Wharf's tests: there is no Docker Hub here.
 */
export async function busyboxRootfsTar(): Promise<Buffer> {
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', () => resolve());
    p.on('error', reject);
  });
  const mtime = new Date(statSync(BUSYBOX).mtimeMs);
  const dir = (name: string, mode = 0o755) => p.entry({ name, type: 'directory', mode, mtime });
  for (const d of ['bin', 'etc', 'root', 'tmp', 'home', 'var', 'usr', 'usr/bin', 'proc', 'sys', 'dev']) {
    dir(d, d === 'tmp' ? 0o1777 : d === 'root' ? 0o700 : 0o755);
  }
  p.entry({ name: 'bin/busybox', mode: 0o755, mtime }, readFileSync(BUSYBOX));
  for (const a of applets) {
    if (a === 'busybox') continue;
    p.entry({ name: `bin/${a}`, type: 'symlink', linkname: 'busybox', mode: 0o777, mtime });
  }
  p.entry({ name: 'etc/passwd', mode: 0o644, mtime }, 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nwharf:x:1000:1000:wharf:/home/wharf:/bin/sh\n');
  p.entry({ name: 'etc/group', mode: 0o644, mtime }, 'root:x:0:\ndaemon:x:1:\nwheel:x:10:wharf\nnogroup:x:65534:\nwharf:x:1000:\n');
  dir('home/wharf');
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}
