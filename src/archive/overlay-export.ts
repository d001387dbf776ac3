import type { Readable } from 'node:stream';
import { tarDirectory } from './tar-write.js';

/**
 * A container's changes as an OCI layer tar, read straight from its overlay upper dir
 * (as dockerd's overlay2 driver does): whiteout devices become `.wh.<name>` entries and
 * opaque dirs get a `.wh..wh..opq` entry; xattrs are kept except overlayfs' own.
 */
export function exportOverlayLayer(upper: string): Readable {
  return tarDirectory(upper, { overlay: true, xattrs: true });
}

/** `docker export`: the whole filesystem of a mounted rootfs as one plain tar. */
export function exportRootfs(mounted: string): Readable {
  return tarDirectory(mounted, { overlay: false, xattrs: true });
}
