import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { openStorage, type Storage } from '../../src/images/open-storage.js';
import { unmount } from '../../src/snapshots/overlay-mount.js';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';

let busybox: Buffer | undefined;

/** The busybox rootfs tar, built once per test file. */
export async function busyboxTar(): Promise<Buffer> {
  busybox ??= await busyboxRootfsTar();
  return busybox;
}

/** A storage on a fresh temp root plus a cleanup that unmounts what tests mounted under it. */
export async function tempStorage(): Promise<Storage & { root: string; mounts: string[]; cleanup(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'wharf-storage-'));
  const s = await openStorage(root);
  const mounts: string[] = [];
  return {
    ...s,
    root,
    mounts,
    async cleanup() {
      for (const m of mounts.reverse()) await unmount(m).catch(() => {});
      await rm(root, { recursive: true, force: true });
    },
  };
}

export function streamOf(buf: Buffer): Readable {
  return Readable.from([buf]);
}
