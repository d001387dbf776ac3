import { invalidParameter } from '../common/errors.js';
import { familiarMatch, parseStored } from '../reference/reference.js';
import type { ImageSummaryFilter } from './image-service.js';
import type { ImageStore } from './image-store.js';
import type { Image } from './types.js';

const KEYS = new Set(['dangling', 'label', 'before', 'since', 'reference', 'until']);

function boolFilter(key: string, values: string[]): boolean | undefined {
  if (values.length === 0) return undefined;
  const v = values[values.length - 1].toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw invalidParameter(`Invalid filter '${key}=${values[values.length - 1]}'`);
}

/** `label=k` or `label=k=v`, every one must match (Docker's MatchKVList). */
export function matchLabels(wanted: string[] | undefined, labels: Record<string, string> | undefined): boolean {
  for (const w of wanted ?? []) {
    const eq = w.indexOf('=');
    const k = eq === -1 ? w : w.slice(0, eq);
    if (!labels || !(k in labels)) return false;
    if (eq !== -1 && labels[k] !== w.slice(eq + 1)) return false;
  }
  return true;
}

/** Docker's `until`: a Unix timestamp, an RFC 3339 date or a Go-style duration before now. */
export function parseUntil(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const dur = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$/.exec(v);
  if (dur) {
    const mult: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
    return Date.now() - Number(dur[1]) * mult[dur[2]];
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalidParameter(`invalid filter 'until=${v}'`);
  return t;
}

/** Applies `docker images` filters and the -a rule (intermediate images hidden by default). */
export async function filterImages(store: ImageStore, images: Image[], opts: ImageSummaryFilter): Promise<Image[]> {
  const f = opts.filters ?? {};
  for (const k of Object.keys(f)) if (!KEYS.has(k)) throw invalidParameter(`invalid filter '${k}'`);
  const dangling = boolFilter('dangling', f.dangling ?? []);
  const created = (img: Image): number => Date.parse(img.config.created ?? '') || 0;
  const refTime = (key: string): number | undefined => {
    const v = f[key];
    if (!v || v.length === 0) return undefined;
    return created(images.find((i) => i.id === store.resolveId(v[v.length - 1])) as Image);
  };
  const before = refTime('before');
  const since = refTime('since');
  const until = f.until?.length ? parseUntil(f.until[f.until.length - 1]) : undefined;
  const out: Image[] = [];
  for (const img of images) {
    const kept = keep(img);
    if (kept) out.push(kept);
  }
  return out;

  function keep(original: Image): Image | undefined {
    let img = original;
    if (f.reference?.length) {
      // As dockerd: only the names matching a pattern are shown; none matching hides the image.
      const match = (r: string): boolean => (f.reference as string[]).some((p) => familiarMatch(p, parseStored(r)));
      img = { ...img, repoTags: img.repoTags.filter(match), repoDigests: img.repoDigests.filter(match) };
      if (img.repoTags.length === 0 && img.repoDigests.length === 0) return undefined;
    }
    return accept(img) ? img : undefined;
  }

  function accept(img: Image): boolean {
    const untagged = img.repoTags.length === 0;
    if (dangling === true && !untagged) return false;
    if (dangling === false && untagged && img.repoDigests.length === 0) return false;
    // Without -a, untagged images with children are build intermediates and stay hidden.
    if (!opts.all && dangling === undefined && untagged && img.repoDigests.length === 0 && store.children(img.id).length > 0) return false;
    if (before !== undefined && created(img) >= before) return false;
    if (since !== undefined && created(img) <= since) return false;
    if (until !== undefined && created(img) > until) return false;
    if (!matchLabels(f.label, img.config.config?.Labels)) return false;
    return true;
  }
}
