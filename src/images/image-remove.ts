import { conflict } from '../common/errors.js';
import { shortId } from '../common/ids.js';
import { familiarize, parseAnyReference, parseStored, refString, repoName, withDefaultTag } from '../reference/reference.js';
import type { ImageUser, RemoveResult } from './image-service.js';
import type { ImageStore } from './image-store.js';

function userOf(store: ImageStore, id: string): ImageUser | undefined {
  const u = store.usageCheck(id);
  if (u === undefined) return undefined;
  return typeof u === 'string' ? { id: u, running: false } : u;
}

/** Docker's isSingleReference: at most one tag, and any digests in that tag's repository. */
function isSingleReference(refs: string[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  const parsed = refs.map(parseStored);
  const tagged = parsed.filter((r) => !r.digest);
  if (tagged.length > 1) return false;
  const canonicalRepos = new Set(parsed.filter((r) => r.digest).map(repoName));
  const single = tagged[0] ?? parsed[0];
  return canonicalRepos.size === 1 && canonicalRepos.has(repoName(single));
}

const HARD = 1 | 2; // dependent child, running container
const ACTIVE_REFERENCE = 4;
const STOPPED = 8;

interface DeleteConflict {
  message: string;
  hard: boolean;
  used: boolean;
}

function checkConflict(store: ImageStore, id: string, mask: number): DeleteConflict | undefined {
  if (mask & 1 && store.children(id).length > 0) return { hard: true, used: false, message: 'image has dependent child images' };
  const user = userOf(store, id);
  if (mask & 2 && user?.running) return { hard: true, used: true, message: `image is being used by running container ${shortId(user.id)}` };
  if (mask & ACTIVE_REFERENCE && store.tags.refsFor(id).length > 0) return { hard: false, used: false, message: 'image is referenced in multiple repositories' };
  if (mask & STOPPED && user && !user.running) return { hard: false, used: true, message: `image is being used by stopped container ${shortId(user.id)}` };
  return undefined;
}

function conflictError(id: string, c: DeleteConflict): Error {
  return conflict(`conflict: unable to delete ${shortId(id)} (${c.hard ? 'cannot be forced' : 'must be forced'}) - ${c.message}`);
}

/**
 * `docker rmi`, following dockerd's ImageDelete: a name untags (refused when it is the
 * image's last name and a container uses it, unless forced); an ID deletes, subject to
 * dependent-child and container conflicts. The image goes once no name is left; untagged
 * parents go too unless `noPrune`.
 */
export async function removeImage(store: ImageStore, ref: string, opts: { force?: boolean; noPrune?: boolean }): Promise<RemoveResult[]> {
  return store.lock.run(async () => {
    const force = !!opts.force;
    const id = store.resolveId(ref);
    const records: RemoveResult[] = [];
    let refs = store.tags.refsFor(id);
    const byId = isIdPrefix(id, ref);
    let quiet = false;
    if (!byId) {
      const user = userOf(store, id);
      if (!force && isSingleReference(refs) && user) {
        throw conflict(`conflict: unable to remove repository reference "${ref}" (must force) - container ${shortId(user.id)} is using its referenced image ${shortId(id)}`);
      }
      const any = parseAnyReference(ref);
      const named = any.kind === 'named' ? any.ref : undefined;
      const full = named ? refString(named.digest ? { ...named, tag: undefined } : withDefaultTag(named)) : undefined;
      if (full && (await store.tags.delete(full))) records.push({ Untagged: familiarize(full) });
      refs = store.tags.refsFor(id);
      // Untagging a repository's last tag drops its digest references too.
      if (full && named && !named.digest) {
        const repo = repoName(named);
        const sameRepoTag = refs.some((r) => !parseStored(r).digest && repoName(parseStored(r)) === repo);
        if (!sameRepoTag) {
          for (const r of refs.filter((x) => parseStored(x).digest && repoName(parseStored(x)) === repo)) {
            await store.tags.delete(r);
            records.push({ Untagged: familiarize(r) });
          }
          refs = store.tags.refsFor(id);
        }
      }
      if (refs.length > 0) return records;
      quiet = true;
    } else if (isSingleReference(refs)) {
      const c = checkConflict(store, id, force ? HARD : HARD | STOPPED);
      if (c) throw conflictError(id, c);
      for (const r of refs) {
        await store.tags.delete(r);
        records.push({ Untagged: familiarize(r) });
      }
    }
    await deleteHelper(store, id, records, force, !opts.noPrune, quiet);
    return records;
  });
}

function isIdPrefix(id: string, ref: string): boolean {
  const hex = ref.replace(/^sha256:/, '');
  return /^[a-f0-9]+$/.test(hex) && id.startsWith(`sha256:${hex}`);
}

async function deleteHelper(store: ImageStore, id: string, records: RemoveResult[], force: boolean, prune: boolean, quiet: boolean): Promise<void> {
  const c = checkConflict(store, id, force ? HARD : HARD | ACTIVE_REFERENCE | STOPPED);
  if (c) {
    const dangling = store.tags.refsFor(id).length === 0 && store.children(id).length === 0;
    if (quiet && (!dangling || c.used)) return;
    throw conflictError(id, c);
  }
  const parent = store.records.items.get(id)?.parent;
  for (const r of store.tags.refsFor(id)) {
    await store.tags.delete(r);
    records.push({ Untagged: familiarize(r) });
  }
  const dropped = await store.deleteImageData(id);
  records.push({ Deleted: id });
  for (const d of dropped) records.push({ Deleted: d });
  if (prune && parent && store.records.items.has(parent) && store.tags.refsFor(parent).length === 0) {
    await deleteHelper(store, parent, records, false, true, true);
  }
}
