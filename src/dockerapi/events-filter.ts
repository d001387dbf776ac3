import { invalidParameter } from '../common/errors.js';
import type { DockerEvent } from '../events/event-bus.js';

/** Filter keys dockerd accepts for `/events`; others are a 400. */
const KEYS = new Set(['container', 'daemon', 'event', 'image', 'label', 'network', 'type', 'volume', 'plugin', 'node', 'service', 'secret', 'config', 'scope']);
/** Keys that match an actor of the same type by ID prefix or name. */
const ACTOR_KEYS = ['container', 'volume', 'network', 'plugin', 'node', 'service', 'secret', 'config'] as const;
/** Actions that carry a suffix ("exec_start: sh -c …"), so a bare filter value matches by prefix. */
const SUFFIXED_ACTIONS = ['health_status', 'exec_create', 'exec_start'];

function stripTag(name: string): string {
  const at = name.indexOf('@');
  if (at >= 0) return name.slice(0, at);
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
}

/**
 * Docker's event filter semantics: values of one key are alternatives (OR), different
 * keys must all match (AND); container/network/… match an ID prefix or the actor's name;
 * `image` matches the image name with or without its tag; `label` entries are `k` or `k=v`
 * and all must hold.
 */
export function compileEventFilter(filters: Record<string, string[]>): (ev: DockerEvent) => boolean {
  for (const key of Object.keys(filters)) if (!KEYS.has(key)) throw invalidParameter(`invalid filter '${key}'`);
  const values = (key: string) => filters[key] ?? [];
  const exact = (key: string, source: string | undefined) => values(key).length === 0 || (source !== undefined && values(key).includes(source));
  const fuzzy = (key: string, source: string | undefined) =>
    values(key).length === 0 || (source !== undefined && source !== '' && values(key).some((v) => v === source || source.startsWith(v)));

  return (ev) => {
    const attrs = ev.Actor.Attributes ?? {};
    const eventFuzzy = values('event').some((v) => SUFFIXED_ACTIONS.includes(v));
    if (!(eventFuzzy ? fuzzy('event', ev.Action) : exact('event', ev.Action))) return false;
    if (!exact('type', ev.Type)) return false;
    if (!exact('scope', ev.scope)) return false;
    if (!(exact('daemon', ev.Actor.ID) || exact('daemon', attrs.name))) return false;
    for (const key of ACTOR_KEYS) {
      if (values(key).length === 0) continue;
      if (ev.Type !== key) return false;
      if (!(fuzzy(key, ev.Actor.ID) || fuzzy(key, attrs.name))) return false;
    }
    if (values('image').length > 0) {
      const imageName = ev.Type === 'image' ? attrs.name : attrs.image;
      const candidates = [ev.Actor.ID, imageName, stripTag(ev.Actor.ID), imageName === undefined ? undefined : stripTag(imageName)];
      if (!candidates.some((c) => c !== undefined && values('image').includes(c))) return false;
    }
    for (const label of values('label')) {
      const eq = label.indexOf('=');
      if (eq < 0 ? !(label in attrs) : attrs[label.slice(0, eq)] !== label.slice(eq + 1)) return false;
    }
    return true;
  };
}
