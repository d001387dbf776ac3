import type { Readable } from 'node:stream';

/**
 * The content store: immutable blobs addressed by their sha256 digest (OCI image spec
 * "content addressable storage"). Small interfaces, combined below, so that a reader-only
 * consumer (the snapshotter) can take just what it needs.
 */

export interface BlobInfo {
  digest: string; // "sha256:<hex>"
  size: number;
  /** When the blob was committed (ISO). */
  createdAt: string;
}

export interface ContentReader {
  has(digest: string): Promise<boolean>;
  /** Throws not-found when the blob is absent. */
  info(digest: string): Promise<BlobInfo>;
  read(digest: string): Promise<Buffer>;
  readStream(digest: string): Readable;
  /** Absolute path of a blob, for callers that need random access (never write to it). */
  path(digest: string): string;
}

export interface WriteExpectation {
  /** When given, the bytes must hash to it or nothing is stored. */
  digest?: string;
  /** When given, the byte count must equal it. */
  size?: number;
}

export interface ContentWriter {
  /**
   * Stores bytes under their sha256. The data is hashed while written to a temp file,
   * fsynced and renamed into place only when the expectation holds; on any error
   * (digest or size mismatch, stream error) the temp file is removed and nothing is stored.
   * Writing a blob that already exists is a no-op that still verifies the digest.
   */
  write(data: Buffer | Readable, expect?: WriteExpectation): Promise<BlobInfo>;
}

export interface ContentDeleter {
  /** Removes a blob; returns false when it was absent. */
  delete(digest: string): Promise<boolean>;
}

export interface ContentLister {
  list(): Promise<BlobInfo[]>;
}

export interface ContentStore extends ContentReader, ContentWriter, ContentDeleter, ContentLister {}
