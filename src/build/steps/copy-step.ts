/**
 * COPY and ADD: sources resolved with Docker's rules (globs, directories copy their
 * contents, trailing slash or an existing directory means "into"), the cache key from the
 * sources' content, and the layer written through a step container (so parent directories
 * keep the metadata they have in the image).
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { Engine } from '../../engine/engine.js';
import type { Image } from '../../images/types.js';
import { CopyError, contentHash, dirEntries, fileEntry, resolveSources, type CopyEntry, type Ownership } from '../copy/copy-plan.js';
import { extractArchive, fetchFromContainer, isArchive, probeContainer, resolveChown } from '../copy/copy-sources.js';
import type { Instruction } from '../dockerfile/instructions.js';
import type { BuildContext } from '../context/build-context.js';
import { processWord, processWords, type Env } from '../dockerfile/shell-lex.js';
import type { StageState } from '../stage-state.js';

type CopyInst = Extract<Instruction, { kind: 'copy' | 'add' }>;

export interface CopyInputs {
  engine: Engine;
  context: BuildContext;
  tmpRoot: string;
  /** Image a `--from` value names (a stage or an image). */
  fromImage(name: string): Promise<Image>;
}

/** What one source contributes, with paths relative to the destination. */
type Item =
  | { kind: 'dir'; host: string; keepOwner: boolean }
  | { kind: 'file'; host: string; name: string }
  | { kind: 'inline'; name: string; data: Buffer };

export interface PreparedCopy {
  /** Identifies what is copied and how (content hash, or source image and paths for --from). */
  hash: string;
  /** The copied files' own hash, when `hash` was a quicker one (see commitStep's altKey). */
  altHash?: () => Promise<string>;
  /** History text: `COPY file:<hash> in <dest> ` (resolves the sources if not done yet). */
  comment(): Promise<string>;
  /** The layer's entries; `statPath` tells what exists in the image. */
  entries(statPath: (p: string) => Promise<'dir' | 'other' | 'missing'>): Promise<CopyEntry[]>;
}

const HEREDOC_WORD = /^<<-?(["']?)([A-Za-z_][A-Za-z0-9_]*)\1$/;

function parseChmod(text: string): number {
  if (!/^[0-7]{3,4}$/.test(text)) throw new CopyError(`invalid chmod parameter: ${text}`);
  return parseInt(text, 8);
}

/**
 * Resolves a COPY/ADD: expands its words, finds the sources, computes the content hash.
 * Filesystem work against the image happens later in `entries`.
 */
export async function prepareCopy(inst: CopyInst, state: StageState, env: Env, escape: string, io: CopyInputs, chownReader?: (n: 'passwd' | 'group') => Promise<string>): Promise<PreparedCopy> {
  const name = inst.kind.toUpperCase();
  const words = inst.json ? inst.json.map((w) => processWord(w, env, escape)) : processWords(inst.text ?? '', env, escape);
  const rawDest = words[words.length - 1];
  const srcs = words.slice(0, -1);
  const workdir = state.config.WorkingDir || '/';
  let dest = rawDest.startsWith('/') ? rawDest : posix.join(workdir, rawDest) + (rawDest.endsWith('/') || rawDest === '.' ? '/' : '');
  const intoDir = dest.endsWith('/') || rawDest === '.' || rawDest.endsWith('/.');
  dest = posix.normalize(dest).replace(/\/+$/, '') || '/';

  const items: Item[] = [];
  const srcKinds: ('file' | 'dir')[] = [];
  const fileSrcs: string[] = [];
  for (const s of srcs) {
    const h = HEREDOC_WORD.exec(s);
    const doc = h ? inst.heredocs.find((d) => d.name === h[2]) : undefined;
    if (doc) {
      items.push({ kind: 'inline', name: doc.name, data: Buffer.from(doc.expand ? processWord(doc.content, env, escape) : doc.content) });
      srcKinds.push('file');
      continue;
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^git@/.test(s)) {
      if (inst.kind === 'copy') throw new CopyError(`source can't be a URL for COPY`);
      throw new CopyError(`ADD failed: cannot fetch ${s}: remote sources are not supported (this builder has no network access); download the file into the build context and COPY it`);
    }
    fileSrcs.push(s);
  }
  const own: Ownership = { uid: 0, gid: 0 };
  if (inst.chmod) own.mode = parseChmod(inst.chmod);
  if (inst.chown) {
    const spec = processWord(inst.chown, env, escape);
    Object.assign(own, await resolveChown(spec, chownReader ?? (() => Promise.reject(new Error('no image')))));
  }
  const fromImg = inst.from !== undefined && fileSrcs.length > 0 ? await io.fromImage(processWord(inst.from, env, escape)) : undefined;

  // Sources are fetched and read once, when first needed: for --from, a cache hit needs
  // only the source image's ID, never its files.
  let gathered: Promise<{ hash: string; kind: string }> | undefined;
  const gather = () =>
    (gathered ??= (async () => {
      let root = io.context.dir;
      if (!fromImg) await io.context.ensureOnDisk();
      else {
        const cid = await probeContainer(io.engine, fromImg);
        try {
          root = await fetchFromContainer(io.engine, cid, fileSrcs, io.tmpRoot, name);
        } finally {
          await io.engine.containers.remove(cid, { force: true }).catch(() => {});
        }
      }
      const infos = fileSrcs.length > 0 ? await resolveSources(root, fileSrcs, name) : [];
      for (const info of infos) {
        srcKinds.push(info.isDir ? 'dir' : 'file');
        if (info.isDir) items.push({ kind: 'dir', host: info.host, keepOwner: false });
        else if (inst.kind === 'add' && (await isArchive(info.host))) items.push({ kind: 'dir', host: await extractArchive(info.host, io.tmpRoot), keepOwner: true });
        else items.push({ kind: 'file', host: info.host, name: posix.basename(info.rel) });
      }
      if (items.length > 1 && !intoDir) {
        throw new CopyError(`When using ${name} with more than one source file, the destination must be a directory and end with a /`);
      }
      const hash = await contentHash(await relEntries('', (it) => it.name), fromImg ? undefined : io.context.digests);
      // Docker names the kind of source as given (an archive ADD unpacks is still a "file").
      return { hash, kind: srcKinds.length === 1 ? srcKinds[0] : 'multi' };
    })());

  // Entries relative to a placeholder destination: the hash covers what is copied, not where.
  const relEntries = async (target: string, fileTarget: (it: Item & { kind: 'file' | 'inline' }) => string): Promise<CopyEntry[]> => {
    const out: CopyEntry[] = [];
    for (const it of items) {
      if (it.kind === 'dir') {
        const es = await dirEntries(it.host, target, it.keepOwner && !inst.chown ? { ...own, keep: true } : own);
        out.push(...es);
      } else if (it.kind === 'file') out.push(await fileEntry(it.host, fileTarget(it), own));
      else out.push({ path: fileTarget(it), type: 'file', mode: own.mode ?? 0o644, uid: own.uid, gid: own.gid, mtime: new Date(), size: it.data.length, data: it.data });
    }
    return out;
  };
  // Without reading any file: the source image (--from) or the whole in-memory context,
  // with the source words. Otherwise (or as the second key) the copied files' own hash.
  const whole = fromImg ? fromImg.id : io.context.wholeDigest();
  const quick = whole
    ? createHash('sha256').update(JSON.stringify({ whole, srcs: fileSrcs, inline: items.map((i) => (i.kind === 'inline' ? [i.name, i.data.toString('base64')] : '')) })).digest('hex')
    : undefined;
  const flagsKey = JSON.stringify({ name, chown: own.uid + ':' + own.gid, chmod: own.mode ?? null, intoDir, dest, rawDest, link: inst.link });
  const keyHash = quick ?? (await gather()).hash;

  return {
    hash: `${keyHash}|${flagsKey}`,
    altHash: quick && !fromImg ? async () => `${(await gather()).hash}|${flagsKey}` : undefined,
    async comment() {
      const g = await gather();
      return `${name} ${g.kind}:${g.hash} in ${rawDest} `;
    },
    async entries(statPath) {
      await gather();
      // A single file into an existing directory lands inside it.
      let intoTarget = intoDir || items.some((i) => i.kind === 'dir');
      if (!intoTarget && (await statPath(dest)) === 'dir') intoTarget = true;
      const dir = intoTarget ? dest : posix.dirname(dest);
      const made: CopyEntry[] = [];
      const comps = dir.split('/').filter((c) => c !== '');
      let missing = false;
      let p = '';
      for (const c of comps) {
        p += '/' + c;
        if (!missing && (await statPath(p)) === 'missing') missing = true;
        if (missing) made.push({ path: p.slice(1), type: 'directory', mode: 0o755, uid: own.uid, gid: own.gid, mtime: new Date(), size: 0 });
      }
      const rel = dir === '/' ? '' : dir.slice(1);
      const contents = await relEntries(rel, (it) => (intoTarget ? (rel ? `${rel}/${it.name}` : it.name) : dest.slice(1)));
      return [...made, ...contents.map((e) => ({ ...e, path: e.path.replace(/^\/+/, '') }))];
    },
  };
}

