import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

export interface DockerRegistryOptions {
  htpasswd?: string;
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
  tls?: { cert: string; key: string };
}

export interface RunningDockerRegistry {
  host: string;
  url: string;
  stop(): Promise<void>;
}

/** Docker's reference registry (Debian docker-registry) on a private root and a free loopback port. */
export async function startDockerRegistry(dir: string, opts: DockerRegistryOptions = {}): Promise<RunningDockerRegistry> {
  const port = await freePort();
  await mkdir(join(dir, 'data'), { recursive: true });
  const lines = [
    'version: 0.1',
    'log:', '  level: error', '  accesslog:', '    disabled: true',
    'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'data')}`, '  delete:', '    enabled: true',
    'http:', `  addr: 127.0.0.1:${port}`,
  ];
  if (opts.tls) lines.push('  tls:', `    certificate: ${opts.tls.cert}`, `    key: ${opts.tls.key}`);
  if (opts.htpasswd) lines.push('auth:', '  htpasswd:', '    realm: test-realm', `    path: ${opts.htpasswd}`);
  if (opts.token) {
    const t = opts.token;
    lines.push('auth:', '  token:', `    realm: ${t.realm}`, `    service: ${t.service}`, `    issuer: ${t.issuer}`, `    rootcertbundle: ${t.rootCertBundle}`);
  }
  const config = join(dir, 'config.yml');
  await writeFile(config, lines.join('\n') + '\n');
  const proc = spawn('/usr/bin/docker-registry', ['serve', config], { stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  const url = `${opts.tls ? 'https' : 'http'}://${host}`;
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
  };
  const probe = () => new Promise<boolean>((resolve) => {
    const s = createServer();
    void s;
    import('node:net').then(({ connect }) => {
      const c = connect(port, '127.0.0.1', () => {
        c.destroy();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
  });
  for (let i = 0; i < 200; i++) {
    if (await probe()) return { host, url, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error('docker-registry did not start');
}
