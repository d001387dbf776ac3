/**
 * Issue 4's figures: Wharf's builder vs Docker's legacy builder (DOCKER_BUILDKIT=0 against a
 * private dockerd), both driven by the real docker CLI, same busybox base, same context:
 * a multi-stage Dockerfile with a COPY of a 2,000-file context and several RUN steps.
 * - cold build: the very first one alone, and the median of it and --no-cache builds
 *   (those reuse Wharf's pool of context files, as Docker's reuse its own caches)
 * - rebuild with nothing changed
 * - rebuild after changing one copied file
 * Wharf runs as its own daemon process (`wharf daemon`, as users run it) on private paths.
 * Run: node dist/bench/build.bench.js   (as root, after scripts/setup.sh --test)
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfsTar } from '../test/support/busybox-rootfs.js';
import { startDockerd, startWharfDaemon } from '../test/support/daemons.js';
import { dockerCli } from '../test/build/build-api.js';
import { median, report } from './bench-util.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const FILES = Number(process.env.BENCH_FILES ?? 2000);
const tag = `bench-build-${randomBytes(3).toString('hex')}`;

const DOCKERFILE = `FROM busybox AS deps
RUN mkdir -p /deps && for i in $(seq 1 50); do echo $i > /deps/f$i; done
FROM busybox AS build
WORKDIR /src
COPY src/ ./
RUN find . -type f | wc -l > /count
RUN cat /count
FROM busybox
COPY --from=deps /deps /deps
COPY --from=build /count /count
COPY src/ /app/
RUN ls -R /app | wc -l
CMD ["sh"]
`;

async function makeContext(dir: string): Promise<void> {
  await writeFile(join(dir, 'Dockerfile'), DOCKERFILE);
  for (let d = 0; d < FILES / 100; d++) {
    const sub = join(dir, 'src', `d${d}`);
    await mkdir(sub, { recursive: true });
    for (let f = 0; f < 100; f++) await writeFile(join(sub, `f${f}.txt`), `file ${d}/${f}\n`.repeat(10));
  }
}

async function timed(host: string, args: string[]): Promise<number> {
  const t0 = process.hrtime.bigint();
  const r = await dockerCli(host, args, { timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} on ${host}: ${r.stderr}\n${r.stdout.slice(-2000)}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function main(): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'wharf-build-bench-'));
  const ctx = join(base, 'ctx');
  await mkdir(ctx);
  await makeContext(ctx);
  const wharfd = await startWharfDaemon();
  const wharf = wharfd.host;
  const dockerd = await startDockerd();
  try {
    const rootfs = await busyboxRootfsTar();
    for (const host of [wharf, dockerd.host]) {
      const imp = await dockerCli(host, ['import', '--change', 'CMD ["sh"]', '-', 'busybox:latest'], { input: rootfs });
      if (imp.code !== 0) throw new Error(imp.stderr);
    }
    const results: Record<string, { wharf: number[]; docker: number[] }> = { cold: { wharf: [], docker: [] }, nochange: { wharf: [], docker: [] }, onefile: { wharf: [], docker: [] } };
    const each = async (name: keyof typeof results, args: string[], before?: (i: number) => Promise<void>) => {
      for (let i = 0; i < RUNS; i++) {
        if (before) await before(i);
        results[name].wharf.push(await timed(wharf, args));
        results[name].docker.push(await timed(dockerd.host, args));
      }
    };
    const buildArgs = ['build', '-t', `${tag}:img`, ctx];
    // The first cold build is truly cold; later ones skip the cache with --no-cache.
    results.cold.wharf.push(await timed(wharf, buildArgs));
    results.cold.docker.push(await timed(dockerd.host, buildArgs));
    await each('cold', ['build', '--no-cache', '-t', `${tag}:img`, ctx]);
    await each('nochange', buildArgs);
    await each('onefile', buildArgs, (i) => writeFile(join(ctx, 'src', 'd7', 'f42.txt'), `changed ${i} ${Date.now()}\n`));
    const row = (name: string, k: keyof typeof results, target: string) => ({ name, wharf: median(results[k].wharf), peer: median(results[k].docker), unit: 'ms', target });
    report(`build: multi-stage, ${FILES}-file COPY, 4 RUN steps (median of ${RUNS}; peer = Docker legacy builder)`, [
      // The very first build, one run: nothing cached, Wharf's context-file pool empty.
      { name: 'first build (one run)', wharf: results.cold.wharf[0], peer: results.cold.docker[0], unit: 'ms', target: '<= 0.8' },
      row('cold build', 'cold', '<= 0.8'),
      row('rebuild, nothing changed', 'nochange', '<= 0.5'),
      row('rebuild, one copied file changed', 'onefile', '<= 0.7'),
    ]);
  } finally {
    await wharfd.stop();
    await dockerd.stop();
    await rm(base, { recursive: true, force: true });
  }
}

await main();
