/**
 * A build context: held in memory while small (a build whose COPY steps all hit the cache
 * never writes it out), written into a private directory when a step needs its files.
 * Paths are resolved with that directory as their root, so a symlink in the context
 * (absolute or climbing with "..") can never lead a COPY outside it. Files excluded by
 * `.dockerignore` are removed once on disk (the Dockerfile is read before), so they look
 * exactly like missing files to COPY.
 */
import { lstat, mkdtemp, readFile, readdir, readlink, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { materialize, readContext, type ContextEntry, type ReadContext } from './extract-context.js';
import { IgnoreMatcher } from './dockerignore.js';
import type { FilePool } from './file-pool.js';

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
  private entries?: ContextEntry[];
  private onDisk?: Promise<void>;
  private fileDigests: Map<string, string>;
  private whole?: string;

  private constructor(
    /** Where the files are (once `ensureOnDisk` has run). */
    readonly dir: string,
    read: ReadContext,
    readonly ignore: IgnoreMatcher = new IgnoreMatcher([]),
    private readonly pool?: FilePool,
  ) {
    this.entries = read.inMemory ? read.entries : undefined;
    this.fileDigests = read.inMemory ? new Map() : read.digests;
  }

  /**
   * Reads a context tar (plain or compressed); small ones stay in memory for now. Files
   * written out are placed from `pool` when given (file-pool.ts).
   */
  static async fromTar(tar: Readable, tmpRoot: string, pool?: FilePool): Promise<BuildContext> {
    const dir = await mkdtemp(join(tmpRoot, 'ctx-'));
    try {
      const read = await readContext(tar, dir, undefined, pool);
      const probe = new BuildContext(dir, read);
      const ignoreText = await probe.readText('.dockerignore').catch(() => '');
      return new BuildContext(dir, read, IgnoreMatcher.fromContent(ignoreText), pool);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Content digests of the files on disk, by host path. */
  get digests(): Map<string, string> {
    return this.fileDigests;
  }

  private async readText(name: string): Promise<string> {
    if (!this.entries) return readFile(await resolveInRoot(this.dir, name), 'utf8');
    // In memory: follow (hard and symbolic) links inside the context, as on disk.
    let path = posix.normalize('/' + name).slice(1);
    for (let hops = 0; hops < MAX_LINKS; hops++) {
      const e = this.entries.find((x) => x.type !== 'directory' && x.comps.join('/') === path);
      if (!e) break;
      if (e.type === 'file' && e.data) return e.data.toString('utf8');
      if (e.type === 'link') path = posix.normalize('/' + e.linkname).slice(1);
      else if (e.type === 'symlink') path = posix.normalize(e.linkname.startsWith('/') ? e.linkname : posix.join('/', posix.dirname(path), e.linkname)).slice(1);
      else break;
    }
    throw new Error(`${name}: not found`);
  }

  /** Reads the Dockerfile (a context-relative path). */
  async readDockerfile(name: string): Promise<string> {
    try {
      return await this.readText(name);
    } catch {
      throw new Error(`Cannot locate specified Dockerfile: ${name}`);
    }
  }

  /**
   * One digest of everything COPY could see (names, types, modes, link targets, contents
   * of what .dockerignore keeps), taken while the context is in memory (undefined for one too big to hold).
   */
  wholeDigest(): string | undefined {
    // Kept once the files are on disk: every COPY of one build must key its cache entry the
    // same way, whichever step happened to write the files out first.
    if (this.whole !== undefined || !this.entries) return this.whole;
    const h = createHash('sha256');
    const rows = this.entries
      .filter((e) => !this.ignore.ignores(e.comps.join('/')))
      .map((e) => `${e.comps.join('/')}\0${e.type}\0${e.mode.toString(8)}\0${e.linkname}\0${e.digest ?? ''}`)
      .sort();
    for (const r of rows) h.update(r + '\n');
    this.whole = h.digest('hex');
    return this.whole;
  }

  /** Writes the files out (once) and removes what .dockerignore excludes. */
  ensureOnDisk(): Promise<void> {
    this.onDisk ??= (async () => {
      if (this.entries) {
        this.wholeDigest();
        this.fileDigests = await materialize(this.entries, this.dir, this.pool);
        this.entries = undefined;
      }
      await this.applyIgnore();
    })();
    return this.onDisk;
  }

  /** Removes what `.dockerignore` excludes. */
  private async applyIgnore(): Promise<void> {
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
    await this.onDisk?.catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }
}
