import { join } from 'node:path';
import type { ParsedDigest } from '../grammar.js';

/**
 * Where everything lives under a registry root. One copy of each blob (manifests included)
 * sits in `blobs/`; repositories hold only small link files naming what they may serve, so a
 * blob pushed to two repositories, or mounted across, is stored once.
 *
 *   blobs/<alg>/<hex[0:2]>/<hex>                          content, verified before it appears here
 *   repositories/<name>/_layers/<alg>/<hex>               "this repository has this blob"
 *   repositories/<name>/_manifests/revisions/<alg>/<hex>  a manifest of the repository (holds its media type)
 *   repositories/<name>/_manifests/tags/<tag>             a tag (holds the digest)
 *   repositories/<name>/_referrers/<alg>/<hex>/<alg>-<hex> a referrer of a subject (holds its descriptor)
 *   _uploads/<uuid>/{data,state.json}                     upload sessions, and temp files
 *   _trash/                                               where gc moves things before deleting them
 *
 * Repository name components start with [a-z0-9], so they never collide with the `_` folders.
 */
export class RegistryLayout {
  constructor(readonly root: string) {}

  get blobsDir(): string {
    return join(this.root, 'blobs');
  }
  get repositoriesDir(): string {
    return join(this.root, 'repositories');
  }
  get uploadsDir(): string {
    return join(this.root, '_uploads');
  }
  get trashDir(): string {
    return join(this.root, '_trash');
  }

  blob(d: ParsedDigest): string {
    return join(this.root, 'blobs', d.algorithm, d.hex.slice(0, 2), d.hex);
  }
  repo(name: string): string {
    return join(this.root, 'repositories', name);
  }
  layerLink(name: string, d: ParsedDigest): string {
    return join(this.repo(name), '_layers', d.algorithm, d.hex);
  }
  layersDir(name: string): string {
    return join(this.repo(name), '_layers');
  }
  revision(name: string, d: ParsedDigest): string {
    return join(this.repo(name), '_manifests', 'revisions', d.algorithm, d.hex);
  }
  revisionsDir(name: string): string {
    return join(this.repo(name), '_manifests', 'revisions');
  }
  tagsDir(name: string): string {
    return join(this.repo(name), '_manifests', 'tags');
  }
  tag(name: string, tag: string): string {
    return join(this.tagsDir(name), tag);
  }
  referrersOf(name: string, subject: ParsedDigest): string {
    return join(this.repo(name), '_referrers', subject.algorithm, subject.hex);
  }
  referrer(name: string, subject: ParsedDigest, ref: ParsedDigest): string {
    return join(this.referrersOf(name, subject), `${ref.algorithm}-${ref.hex}`);
  }
  upload(uuid: string): string {
    return join(this.uploadsDir, uuid);
  }
}
