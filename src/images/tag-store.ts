import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { removeAtomicTemps, writeJsonAtomic } from '../common/atomic-file.js';
import { parseStored, repoName } from '../reference/reference.js';

interface RepositoriesFile {
  Repositories: Record<string, Record<string, string>>;
}

/**
 * Names → image IDs (Docker's reference store): full references such as
 * "docker.io/library/busybox:latest" or "…@sha256:…", persisted as <dir>/repositories.json
 * (written atomically after every change; callers serialise writes).
 */
export class TagStore {
  private readonly refs = new Map<string, string>();
  private readonly file: string;

  constructor(dir: string) {
    this.file = join(dir, 'repositories.json');
  }

  async load(): Promise<void> {
    await removeAtomicTemps(dirname(this.file));
    let data: RepositoriesFile;
    try {
      data = JSON.parse(await readFile(this.file, 'utf8')) as RepositoriesFile;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const repo of Object.values(data.Repositories ?? {})) {
      for (const [ref, id] of Object.entries(repo)) this.refs.set(ref, id);
    }
  }

  get(ref: string): string | undefined {
    return this.refs.get(ref);
  }

  /** Full references naming `id`, sorted. */
  refsFor(id: string): string[] {
    const out: string[] = [];
    for (const [ref, target] of this.refs) if (target === id) out.push(ref);
    return out.sort();
  }

  entries(): Array<[string, string]> {
    return [...this.refs.entries()];
  }

  async set(ref: string, id: string): Promise<void> {
    this.refs.set(ref, id);
    await this.save();
  }

  async delete(ref: string): Promise<boolean> {
    const had = this.refs.delete(ref);
    if (had) await this.save();
    return had;
  }

  private async save(): Promise<void> {
    const out: RepositoriesFile = { Repositories: {} };
    for (const [ref, id] of [...this.refs.entries()].sort()) {
      const repo = repoName(parseStored(ref));
      (out.Repositories[repo] ??= {})[ref] = id;
    }
    await writeJsonAtomic(this.file, out);
  }
}
