import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { writeJsonAtomic } from '../../../common/atomic-file.js';
import { RegistryError, registryError } from '../errors.js';
import type { ParsedDigest } from '../grammar.js';
import { isMissing } from './blob-store.js';
import type { RegistryLayout } from './layout.js';

/** What is kept on disk for an upload session, so it survives a registry restart. */
export interface UploadState {
  uuid: string;
  repo: string;
  /** Bytes accepted so far; the data file is cut back to this after a crash mid-chunk. */
  size: number;
  startedAt: string;
}

export interface UploadSession {
  state: UploadState;
  /** Running sha256 of the accepted bytes; lost on restart, then the file is hashed again. */
  hash?: { hash: Hash; size: number };
  /** Serialises chunks of one session. */
  lock: Promise<unknown>;
  /** Set once committed or cancelled; requests still queued on the lock then see it as unknown. */
  removed?: boolean;
}

const MAX_CACHED_SESSIONS = 4096;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Blob upload sessions. Bytes go to `_uploads/<uuid>/data`, never to the blob store, until the
 * final PUT names a digest and the bytes match it; an abandoned or failed upload leaves only
 * its session folder, which nobody can read as a blob.
 */
export class UploadStore {
  private readonly sessions = new Map<string, UploadSession>();

  constructor(private readonly layout: RegistryLayout) {}

  dataPath(uuid: string): string {
    return join(this.layout.upload(uuid), 'data');
  }

  async create(repo: string): Promise<UploadSession> {
    const uuid = randomUUID();
    const dir = this.layout.upload(uuid);
    await mkdir(dir, { recursive: true });
    await writeFile(this.dataPath(uuid), '');
    const state: UploadState = { uuid, repo, size: 0, startedAt: new Date().toISOString() };
    await writeJsonAtomic(join(dir, 'state.json'), state);
    const session: UploadSession = { state, hash: { hash: createHash('sha256'), size: 0 }, lock: Promise.resolve() };
    this.remember(session);
    return session;
  }

  /** The session `uuid` of repository `repo`; BLOB_UPLOAD_UNKNOWN when there is none. */
  async get(repo: string, uuid: string): Promise<UploadSession> {
    const unknown = () => registryError('BLOB_UPLOAD_UNKNOWN', undefined, { uuid });
    if (!UUID_RE.test(uuid)) throw unknown();
    let s = this.sessions.get(uuid);
    if (!s) {
      const state = await this.readState(uuid);
      if (!state) throw unknown();
      s = this.sessions.get(uuid) ?? this.remember({ state, lock: Promise.resolve() });
    }
    if (s.state.repo !== repo) throw unknown();
    return s;
  }

  /**
   * Caches a session. Abandoned sessions would pile up here, so the oldest are forgotten past a
   * bound: their state is on disk and a later request reloads it (only the running hash is lost).
   */
  private remember(s: UploadSession): UploadSession {
    if (this.sessions.size >= MAX_CACHED_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    this.sessions.set(s.state.uuid, s);
    return s;
  }

  private async readState(uuid: string): Promise<UploadState | undefined> {
    try {
      return JSON.parse(await readFile(join(this.layout.upload(uuid), 'state.json'), 'utf8')) as UploadState;
    } catch (err) {
      if (isMissing(err) || err instanceof SyntaxError) return undefined;
      throw err;
    }
  }

  /**
   * Runs `fn` with the session to itself (chunks of one session never interleave in this
   * process). The state on disk is authoritative: another worker process may have moved the
   * session on, or finished it, since this one last saw it.
   */
  async exclusive<T>(s: UploadSession, fn: () => Promise<T>): Promise<T> {
    const guarded = async () => {
      const disk = s.removed ? undefined : await this.readState(s.state.uuid);
      if (!disk) {
        s.removed = true;
        this.sessions.delete(s.state.uuid);
        throw registryError('BLOB_UPLOAD_UNKNOWN', undefined, { uuid: s.state.uuid });
      }
      s.state = disk;
      return fn();
    };
    const run = s.lock.then(guarded, guarded);
    s.lock = run.catch(() => {});
    return run;
  }

  /**
   * Appends a request body. `length`, when known (Content-Length, Content-Range), must match
   * the bytes received; on any failure the data file is cut back and the session is unchanged.
   */
  async append(s: UploadSession, body: Readable, length?: number): Promise<void> {
    const old = s.state.size;
    const hasher = s.hash && s.hash.size === old ? s.hash.hash.copy() : undefined;
    let received = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        received += chunk.length;
        if (length !== undefined && received > length) {
          cb(registryError('SIZE_INVALID', 'more bytes than the declared length'));
          return;
        }
        hasher?.update(chunk);
        cb(null, chunk);
      },
    });
    const path = this.dataPath(s.state.uuid);
    try {
      await pipeline(body, counter, createWriteStream(path, { flags: 'r+', start: old, highWaterMark: 1 << 20 }));
      if (length !== undefined && received !== length) {
        throw registryError('SIZE_INVALID', `received ${received} bytes, declared ${length}`);
      }
      if (received > 0) {
        s.state = { ...s.state, size: old + received };
        await writeJsonAtomic(join(this.layout.upload(s.state.uuid), 'state.json'), s.state);
      }
      s.hash = hasher ? { hash: hasher, size: s.state.size } : undefined;
    } catch (err) {
      s.state = { ...s.state, size: old };
      await truncate(path, old).catch(() => {});
      throw err instanceof RegistryError ? err : registryError('BLOB_UPLOAD_INVALID', `upload failed: ${(err as Error).message}`);
    }
  }

  /**
   * Checks the accepted bytes against `d` and makes them durable; returns the data file's path
   * for the blob store to move into place. DIGEST_INVALID when they do not match.
   */
  async verify(s: UploadSession, d: ParsedDigest): Promise<string> {
    const path = this.dataPath(s.state.uuid);
    let hex: string;
    if (d.algorithm === 'sha256' && s.hash && s.hash.size === s.state.size) {
      hex = s.hash.hash.copy().digest('hex');
    } else {
      // Only the accepted bytes: a chunk cut short by a crash may have left more in the file.
      const h = createHash(d.algorithm);
      if (s.state.size > 0) await pipeline(createReadStream(path, { start: 0, end: s.state.size - 1, highWaterMark: 1 << 20 }), h);
      hex = h.digest('hex');
    }
    if (hex !== d.hex) {
      throw registryError('DIGEST_INVALID', 'provided digest did not match uploaded content', {
        expected: d.digest,
        actual: `${d.algorithm}:${hex}`,
      });
    }
    const fh = await open(path, 'r+');
    try {
      await fh.truncate(s.state.size);
      await fh.sync();
    } finally {
      await fh.close();
    }
    return path;
  }

  /** Forgets a session and removes its folder (after commit, or on cancel). */
  async remove(s: UploadSession): Promise<void> {
    s.removed = true;
    this.sessions.delete(s.state.uuid);
    await rm(this.layout.upload(s.state.uuid), { recursive: true, force: true });
  }
}
