import { readFile, readdir, rm, stat, unlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { writeFileAtomic } from '../../../common/atomic-file.js';
import { parseDigest, type ParsedDigest } from '../grammar.js';
import { isMissing } from './blob-store.js';
import type { RegistryLayout } from './layout.js';
import { byCodeUnit } from '../../../common/string-order.js';

/** A descriptor as listed by the referrers API. */
export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/**
 * Per-repository metadata: which blobs and manifests a repository holds, its tags, and the
 * referrers of its manifests. Every file is small and written atomically, so a crash leaves
 * each link either present and whole or absent.
 */
export class RepoStore {
  constructor(private readonly layout: RegistryLayout) {}

  async exists(name: string): Promise<boolean> {
    return (await statOrUndefined(this.layout.repo(name)))?.isDirectory() ?? false;
  }

  // Blob links ----------------------------------------------------------------------------

  async hasLayer(name: string, d: ParsedDigest): Promise<boolean> {
    return (await statOrUndefined(this.layout.layerLink(name, d))) !== undefined;
  }

  async linkLayer(name: string, d: ParsedDigest): Promise<void> {
    await writeFileAtomic(this.layout.layerLink(name, d), d.digest);
  }

  async unlinkLayer(name: string, d: ParsedDigest): Promise<boolean> {
    return removeFile(this.layout.layerLink(name, d));
  }

  // Manifests -----------------------------------------------------------------------------

  /** The media type of a manifest revision of the repository, or undefined. */
  async revisionMediaType(name: string, d: ParsedDigest): Promise<string | undefined> {
    try {
      return await readFile(this.layout.revision(name, d), 'utf8');
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async linkRevision(name: string, d: ParsedDigest, mediaType: string): Promise<void> {
    await writeFileAtomic(this.layout.revision(name, d), mediaType);
  }

  async unlinkRevision(name: string, d: ParsedDigest): Promise<boolean> {
    return removeFile(this.layout.revision(name, d));
  }

  /** Every manifest digest of the repository. */
  async revisions(name: string): Promise<ParsedDigest[]> {
    return listDigests(this.layout.revisionsDir(name));
  }

  // Tags ----------------------------------------------------------------------------------

  async resolveTag(name: string, tag: string): Promise<ParsedDigest | undefined> {
    try {
      return parseDigest((await readFile(this.layout.tag(name, tag), 'utf8')).trim());
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async setTag(name: string, tag: string, d: ParsedDigest): Promise<void> {
    await writeFileAtomic(this.layout.tag(name, tag), d.digest);
  }

  async deleteTag(name: string, tag: string): Promise<boolean> {
    return removeFile(this.layout.tag(name, tag));
  }

  /** Tags in lexical order; undefined when the repository has no tag folder. */
  async tags(name: string): Promise<string[] | undefined> {
    try {
      const names = await readdir(this.layout.tagsDir(name));
      return names.filter((n) => !n.startsWith('.')).sort(byCodeUnit);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  /** Removes every tag that points at `d` (a deleted manifest keeps no tags). */
  async untagDigest(name: string, d: ParsedDigest): Promise<void> {
    for (const tag of (await this.tags(name)) ?? []) {
      if ((await this.resolveTag(name, tag))?.digest === d.digest) await this.deleteTag(name, tag);
    }
  }

  // Referrers -----------------------------------------------------------------------------

  async addReferrer(name: string, subject: ParsedDigest, ref: ParsedDigest, desc: ReferrerDescriptor): Promise<void> {
    await writeFileAtomic(this.layout.referrer(name, subject, ref), JSON.stringify(desc));
  }

  async removeReferrer(name: string, subject: ParsedDigest, ref: ParsedDigest): Promise<void> {
    await removeFile(this.layout.referrer(name, subject, ref));
  }

  async referrers(name: string, subject: ParsedDigest): Promise<ReferrerDescriptor[]> {
    const dir = this.layout.referrersOf(name, subject);
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    const out: ReferrerDescriptor[] = [];
    for (const e of entries.sort()) {
      if (e.startsWith('.')) continue;
      try {
        out.push(JSON.parse(await readFile(join(dir, e), 'utf8')) as ReferrerDescriptor);
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    }
    return out;
  }

  // Catalog -------------------------------------------------------------------------------

  /** Every repository name, in lexical order. */
  async catalog(): Promise<string[]> {
    const root = this.layout.repositoriesDir;
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (isMissing(err)) return;
        throw err;
      }
      if (entries.some((e) => e.name === '_manifests' || e.name === '_layers')) {
        out.push(relative(root, dir).split(sep).join('/'));
      }
      for (const e of entries) {
        if (e.isDirectory() && !e.name.startsWith('_') && !e.name.startsWith('.')) await walk(join(dir, e.name));
      }
    };
    await walk(root);
    return out.sort(byCodeUnit);
  }

  async removeRepository(name: string): Promise<void> {
    await rm(this.layout.repo(name), { recursive: true, force: true });
  }
}

/** Lists `<dir>/<alg>/<hex>` link files as digests. */
export async function listDigests(dir: string): Promise<ParsedDigest[]> {
  const out: ParsedDigest[] = [];
  let algs: string[];
  try {
    algs = await readdir(dir);
  } catch (err) {
    if (isMissing(err)) return out;
    throw err;
  }
  for (const alg of algs) {
    let hexes: string[] = [];
    try {
      hexes = await readdir(join(dir, alg));
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    for (const hex of hexes) {
      const d = parseDigest(`${alg}:${hex}`);
      if (d) out.push(d);
    }
  }
  return out;
}


async function statOrUndefined(p: string) {
  try {
    return await stat(p);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

async function removeFile(p: string): Promise<boolean> {
  try {
    await unlink(p);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}
