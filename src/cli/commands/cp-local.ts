/**
 * The local half of `cp`: writing a container's tar into a host path (with docker's
 * rename rules, never outside the destination) and packing a host path into a tar.
 */
import { createReadStream } from 'node:fs';
import { chmod, lstat, mkdir, readdir, readlink, stat, symlink, utimes, lutimes, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CliError } from '../cli-error.js';

/**
 * Extracts `tar` whose entries start with `srcBase/` so that `srcBase` becomes `targetRoot`
 * (`renameTo` given) or lands inside `targetDir` keeping its name. `contentsOnly`: the
 * tar's top directory's children go straight into targetDir (`SRC/.`).
 */
export async function extractTar(tar: Readable, opts: { targetDir: string; srcBase: string; renameTo?: string; contentsOnly?: boolean }): Promise<void> {
  const { extract } = await import('tar-stream');
  const ex = extract();
  const root = resolve(opts.targetDir);
  const mtimes: [string, Date][] = [];
  const done = new Promise<void>((res, rej) => {
    ex.on('entry', (header, stream, next) => {
      const fail = (err: unknown) => {
        stream.resume();
        rej(err);
      };
      (async () => {
        let name = header.name.replace(/^\.?\/+/, '').replace(/\/+$/, '');
        const parts = name.split('/');
        if (parts[0] === opts.srcBase || opts.srcBase === '') {
          if (opts.contentsOnly) parts.shift();
          else if (opts.renameTo !== undefined) parts[0] = opts.renameTo;
        }
        name = parts.join('/');
        if (!name) {
          stream.resume();
          return;
        }
        const target = resolve(root, name);
        if (target !== root && !target.startsWith(root + sep)) throw new CliError(`invalid tar entry outside the destination: ${header.name}`, 1);
        await mkdir(dirname(target), { recursive: true });
        const mode = (header.mode ?? 0o644) & 0o7777;
        switch (header.type) {
          case 'directory':
            await mkdir(target, { recursive: true });
            await chmod(target, mode);
            stream.resume();
            break;
          case 'symlink':
            await rm(target, { force: true });
            await symlink(header.linkname ?? '', target);
            stream.resume();
            break;
          case 'file':
          case 'contiguous-file': {
            const st = await lstat(target).catch(() => undefined);
            if (st?.isDirectory()) throw new CliError(`cannot overwrite directory "${target}" with non-directory`, 1);
            if (st?.isSymbolicLink()) await rm(target);
            await pipeline(stream, createWriteStream(target, { mode }));
            await chmod(target, mode);
            break;
          }
          default:
            stream.resume();
        }
        if (header.mtime) mtimes.push([target, header.mtime]);
      })().then(() => next(), fail);
    });
    ex.on('finish', () => res());
    ex.on('error', rej);
  });
  tar.pipe(ex);
  await done;
  // Directory mtimes last, since writing their children changed them.
  for (const [p, t] of mtimes.reverse()) await lutimes(p, t, t).catch(() => utimes(p, t, t).catch(() => undefined));
}

/** Packs a host path into a tar whose top entry is `name` (or only its contents when contentsOnly). */
export async function packPath(src: string, name: string, contentsOnly: boolean, followLink: boolean): Promise<Readable> {
  const { pack } = await import('tar-stream');
  const p = pack();
  const add = async (path: string, entryName: string): Promise<void> => {
    const st = followLink && entryName === name ? await stat(path) : await lstat(path);
    const common = { name: entryName, mode: st.mode & 0o7777, mtime: st.mtime, uid: st.uid, gid: st.gid };
    if (st.isDirectory()) {
      if (entryName) p.entry({ ...common, type: 'directory' });
      for (const child of (await readdir(path)).sort()) await add(join(path, child), entryName ? `${entryName}/${child}` : child);
    } else if (st.isSymbolicLink()) {
      p.entry({ ...common, type: 'symlink', linkname: await readlink(path) });
    } else if (st.isFile()) {
      await new Promise<void>((res, rej) => {
        const entry = p.entry({ ...common, type: 'file', size: st.size }, (err) => (err ? rej(err) : res()));
        createReadStream(path).on('error', rej).pipe(entry);
      });
    }
  };
  (async () => {
    await add(src, contentsOnly ? '' : name);
    p.finalize();
  })().catch((err: unknown) => p.destroy(err as Error));
  return p as unknown as Readable;
}

export { basename, relative };
