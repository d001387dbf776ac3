import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDigest, type ParsedDigest } from './grammar.js';
import { MANIFEST_COMMIT_LIMIT_MS } from './http/manifests.js';
import { parseManifest } from './manifest.js';
import { BlobStore, isMissing } from './storage/blob-store.js';
import { RegistryLayout } from './storage/layout.js';
import { RepoStore, listDigests } from './storage/repo-store.js';

export interface GcOptions {
  root: string;
  dryRun?: boolean;
  /**
   * Blobs (and links) touched within this long before gc started are kept whatever the mark
   * says: they may belong to a push still in flight. Must exceed MANIFEST_COMMIT_LIMIT_MS.
   */
  minAgeMs?: number;
  /**
   * Also remove manifests no tag reaches (through index children and referrers), as
   * `registry garbage-collect --delete-untagged` does; recent ones are kept like recent blobs.
   */
  deleteUntagged?: boolean;
  /** Upload sessions idle this long are abandoned and removed. */
  uploadMaxAgeMs?: number;
  log?: (msg: string) => void;
}

export interface GcResult {
  /** Digests reachable from some manifest. */
  marked: number;
  /** Digests removed (or that would be, with dryRun). */
  deleted: string[];
  /** Unreferenced blobs kept because they are recent. */
  keptRecent: string[];
  removedUploads: string[];
  /** `name@digest` of untagged manifests removed (deleteUntagged). */
  removedManifests: string[];
}

export const DEFAULT_GC_MIN_AGE_MS = 10 * 60_000;

/**
 * Mark and sweep. Marks every manifest revision of every repository and what it names
 * (config, layers, index children), then removes blobs nothing marked, except recent ones.
 * Safe beside a serving registry: see BlobStore for the claim protocol, and `sweepIfOld`.
 */
export async function garbageCollect(opts: GcOptions): Promise<GcResult> {
  const minAge = Math.max(opts.minAgeMs ?? DEFAULT_GC_MIN_AGE_MS, 0);
  if (minAge <= MANIFEST_COMMIT_LIMIT_MS && !opts.dryRun) {
    opts.log?.(`gc: warning: a minimum age of ${minAge} ms is unsafe while a registry is serving pushes`);
  }
  const start = Date.now();
  const cutoff = start - minAge;
  const layout = new RegistryLayout(opts.root);
  const repos = new RepoStore(layout);
  const blobs = new BlobStore(layout);
  const log = opts.log ?? (() => {});

  const repoNames = await repos.catalog();
  const removedManifests: string[] = [];
  const pruned = new Set<string>();
  if (opts.deleteUntagged) {
    for (const name of repoNames) {
      const reachable = await reachableFromTags(repos, blobs, name);
      for (const rev of await repos.revisions(name)) {
        if (reachable.has(rev.digest)) continue;
        const gone = opts.dryRun
          ? ((await stat(layout.revision(name, rev)).catch(() => undefined))?.mtimeMs ?? Infinity) < cutoff
          : await sweepIfOld(layout, layout.revision(name, rev), cutoff);
        if (!gone) continue;
        pruned.add(`${name}@${rev.digest}`);
        removedManifests.push(`${name}@${rev.digest}`);
        if (opts.dryRun) continue;
        const subject = await subjectOf(blobs, rev);
        if (subject) await repos.removeReferrer(name, subject, rev);
        log(`gc: removed untagged manifest ${name}@${rev.digest}`);
      }
    }
  }

  // Mark.
  const marked = new Set<string>();
  for (const name of repoNames) {
    for (const rev of await repos.revisions(name)) {
      if (pruned.has(`${name}@${rev.digest}`)) continue;
      marked.add(rev.digest);
      const body = await blobs.readBytes(rev);
      if (!body) continue;
      try {
        const facts = parseManifest(body);
        for (const b of [...facts.blobs, ...facts.children]) marked.add(b.digest);
      } catch {
        log(`gc: ${name}@${rev.digest} does not parse; keeping only the manifest itself`);
      }
    }
  }

  // Sweep blobs.
  const result: GcResult = { marked: marked.size, deleted: [], keptRecent: [], removedUploads: [], removedManifests };
  await mkdir(layout.trashDir, { recursive: true });
  for (const d of await allBlobs(layout)) {
    if (marked.has(d.digest)) continue;
    const path = layout.blob(d);
    if (opts.dryRun) {
      const st = await stat(path).catch(() => undefined);
      if (st && st.mtimeMs < cutoff) result.deleted.push(d.digest);
      else if (st) result.keptRecent.push(d.digest);
      continue;
    }
    if (await sweepIfOld(layout, path, cutoff)) {
      result.deleted.push(d.digest);
      log(`gc: deleted ${d.digest}`);
    } else result.keptRecent.push(d.digest);
  }

  if (!opts.dryRun) {
    // Links to blobs that are gone would make a repository claim what it cannot serve.
    for (const name of repoNames) {
      for (const d of await listDigests(layout.layersDir(name))) {
        if ((await blobs.size(d)) === undefined) await sweepIfOld(layout, layout.layerLink(name, d), cutoff);
      }
    }
    result.removedUploads = await removeStaleUploads(layout, start - (opts.uploadMaxAgeMs ?? 7 * 24 * 3600_000));
  }
  return result;
}

/** Manifests of `name` reachable from its tags, through index children and referrers. */
async function reachableFromTags(repos: RepoStore, blobs: BlobStore, name: string): Promise<Set<string>> {
  const reachable = new Set<string>();
  const queue: ParsedDigest[] = [];
  for (const tag of (await repos.tags(name)) ?? []) {
    const d = await repos.resolveTag(name, tag);
    if (d) queue.push(d);
  }
  for (let d = queue.pop(); d; d = queue.pop()) {
    if (reachable.has(d.digest)) continue;
    reachable.add(d.digest);
    const body = await blobs.readBytes(d);
    if (body) {
      try {
        queue.push(...parseManifest(body).children);
      } catch {
        // Unparseable: nothing further reachable through it.
      }
    }
    for (const r of await repos.referrers(name, d)) {
      const rd = parseDigest(r.digest);
      if (rd) queue.push(rd);
    }
  }
  return reachable;
}

async function subjectOf(blobs: BlobStore, d: ParsedDigest): Promise<ParsedDigest | undefined> {
  const body = await blobs.readBytes(d);
  try {
    return body ? parseManifest(body).subject : undefined;
  } catch {
    return undefined;
  }
}

async function allBlobs(layout: RegistryLayout): Promise<ParsedDigest[]> {
  const out: ParsedDigest[] = [];
  for (const alg of await readdirOrEmpty(layout.blobsDir)) {
    for (const shard of await readdirOrEmpty(join(layout.blobsDir, alg))) {
      for (const hex of await readdirOrEmpty(join(layout.blobsDir, alg, shard))) {
        const d = parseDigest(`${alg}:${hex}`);
        if (d) out.push(d);
      }
    }
  }
  return out;
}

/**
 * Deletes `path` if its mtime is before `cutoff`. The file is first renamed into the trash and
 * its mtime read again there: a server claim that landed before the rename shows up and the file
 * is put back; a claim after the rename finds no file and the server treats the blob as absent.
 */
export async function sweepIfOld(layout: RegistryLayout, path: string, cutoff: number): Promise<boolean> {
  const st = await stat(path).catch(() => undefined);
  if (!st || st.mtimeMs >= cutoff) return false;
  const trash = join(layout.trashDir, randomBytes(12).toString('hex'));
  try {
    await rename(path, trash);
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
  const again = await stat(trash);
  if (again.mtimeMs >= cutoff) {
    await link(trash, path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    await unlink(trash);
    return false;
  }
  await unlink(trash);
  return true;
}

async function removeStaleUploads(layout: RegistryLayout, before: number): Promise<string[]> {
  const removed: string[] = [];
  for (const uuid of await readdirOrEmpty(layout.uploadsDir)) {
    const dir = layout.upload(uuid);
    const st = await stat(join(dir, 'state.json')).catch(() => stat(dir).catch(() => undefined));
    if (st && st.mtimeMs < before) {
      await rm(dir, { recursive: true, force: true });
      removed.push(uuid);
    }
  }
  return removed;
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}
