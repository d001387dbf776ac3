/**
 * @peculiar/x509 uses tsyringe, which needs the Reflect metadata API (normally the
 * `reflect-metadata` package, not installed here). This is the small part of it tsyringe
 * calls. Import it before @peculiar/x509.
 */
type Target = object;
const store = new WeakMap<Target, Map<string | symbol | undefined, Map<unknown, unknown>>>();

function table(target: Target, prop: string | symbol | undefined, create: boolean): Map<unknown, unknown> | undefined {
  let byProp = store.get(target);
  if (!byProp) {
    if (!create) return undefined;
    store.set(target, (byProp = new Map()));
  }
  let t = byProp.get(prop);
  if (!t && create) byProp.set(prop, (t = new Map()));
  return t;
}

const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== 'function') {
  const getOwn = (key: unknown, target: Target, prop?: string | symbol): unknown => table(target, prop, false)?.get(key);
  const get = (key: unknown, target: Target, prop?: string | symbol): unknown => {
    for (let t: Target | null = target; t; t = Object.getPrototypeOf(t)) {
      const v = table(t, prop, false);
      if (v?.has(key)) return v.get(key);
    }
    return undefined;
  };
  R.defineMetadata = (key: unknown, value: unknown, target: Target, prop?: string | symbol): void => void table(target, prop, true)!.set(key, value);
  R.getOwnMetadata = getOwn;
  R.getMetadata = get;
  R.hasOwnMetadata = (key: unknown, target: Target, prop?: string | symbol): boolean => table(target, prop, false)?.has(key) ?? false;
  R.hasMetadata = (key: unknown, target: Target, prop?: string | symbol): boolean => get(key, target, prop) !== undefined;
  R.metadata = (key: unknown, value: unknown) => (target: Target, prop?: string | symbol): void => void table(target, prop, true)!.set(key, value);
}

export {};
