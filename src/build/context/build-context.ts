/**
 * A build context unpacked into a private directory. Paths are resolved with the
 * directory as their root, so a symlink in the context (absolute or climbing with "..")
 * can never lead a COPY outside it. Files excluded by `.dockerignore` are removed after
 * the Dockerfile is read, so they look exactly like missing files to COPY.
 */
import { lstat, mkdtemp, readFile, readdir, readlink, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { extractContext } from './extract-context.js';
import { IgnoreMatcher } from './dockerignore.js';

const MAX_LINKS = 255;

/** Resolves `rel` inside `root`, following symlinks as if `root` were "/". Throws ENOENT-coded errors. */
export async function resolveInRoot(root: string, rel: string, followLast = true): Promise<string> {
  let pending = rel.split('/').filter((c) => c !== '' && c !== '.');
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const comp = pending.shift()!;
    if (comp === '..') {
      done.pop();
      continue;
    }
    const host = join(root, ...done, comp);
    let st;
    try {
      st = await lstat(host);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') {
        // Missing leaf or parent: report as missing, resolved inside the root.
        done.push(comp, ...pending);
        const e = new Error(`stat ${posix.join(...done)}: file does not exist`) as NodeJS.ErrnoException;
        e.code = 'ENOENT';
        throw e;
      }
      throw err;
    }
    if (st.isSymbolicLink() && (pending.length > 0 || followLast)) {
      if (++links > MAX_LINKS) throw Object.assign(new Error('too many links'), { code: 'ELOOP' });
      const target = await readlink(host);
      if (target.startsWith('/')) done.length = 0;
      pending = [...target.split('/').filter((c) => c !== '' && c !== '.'), ...pending];
      continue;
    }
    done.push(comp);
  }
  return join(root, ...done);
}

export class BuildContext {
  private constructor(
    readonly dir: string,
    readonly ignore: IgnoreMatcher,
    /** Content digests of the context's files by host path (taken while unpacking). */
    readonly digests: Map<string, string>,
  ) {}

  /** Unpacks a context tar (plain or compressed) under `tmpRoot`. */
  static async fromTar(tar: Readable, tmpRoot: string): Promise<BuildContext> {
    const dir = await mkdtemp(join(tmpRoot, 'ctx-'));
    try {
      const digests = await extractContext(tar, dir);
      let ignoreText = '';
      try {
        ignoreText = await readFile(await resolveInRoot(dir, '.dockerignore'), 'utf8');
      } catch {
        /* no .dockerignore */
      }
      return new BuildContext(dir, IgnoreMatcher.fromContent(ignoreText), digests);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Reads the Dockerfile (a context-relative path). */
  async readDockerfile(name: string): Promise<string> {
    try {
      return await readFile(await resolveInRoot(this.dir, name), 'utf8');
    } catch {
      throw new Error(`Cannot locate specified Dockerfile: ${name}`);
    }
  }

  /** Removes what `.dockerignore` excludes (done after the Dockerfile has been read). */
  async applyIgnore(): Promise<void> {
    if (this.ignore.empty) return;
    const walk = async (rel: string): Promise<void> => {
      for (const name of await readdir(join(this.dir, rel))) {
        const r = rel ? `${rel}/${name}` : name;
        const host = join(this.dir, r);
        const st = await lstat(host);
        if (this.ignore.ignores(r)) {
          // An excluded dir may still hold files an exception pattern brings back.
          if (st.isDirectory() && this.ignore.hasExceptions) await walk(r);
          else await rm(host, { recursive: true, force: true });
        } else if (st.isDirectory()) await walk(r);
      }
    };
    await walk('');
  }

  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
