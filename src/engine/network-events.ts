import type { EventBus } from '../events/event-bus.js';
import type { NetworkService } from '../networks/index.js';

/** Announces network changes as dockerd does: create, destroy, connect, disconnect. */
export function publishNetworkEvents(networks: NetworkService, events: EventBus): void {
  const emit = (action: string, id: string, attrs: Record<string, string>) => events.publish('network', action, id, attrs);
  const nameOf = async (ref: string) => {
    const n = await networks.inspect(ref).catch(() => undefined);
    return n ? { id: String(n.Id), name: String(n.Name), type: String(n.Driver) } : undefined;
  };
  const create = networks.create.bind(networks);
  networks.create = async (body) => {
    const res = await create(body);
    emit('create', res.Id, { name: String(body.Name ?? ''), type: String(body.Driver || 'bridge') });
    return res;
  };
  const remove = networks.remove.bind(networks);
  networks.remove = async (ref) => {
    const n = await nameOf(ref);
    await remove(ref);
    if (n) emit('destroy', n.id, { name: n.name, type: n.type });
  };
  const connect = networks.connect.bind(networks);
  networks.connect = async (ref, containerId, cfg) => {
    await connect(ref, containerId, cfg);
    const n = await nameOf(ref);
    if (n) emit('connect', n.id, { container: containerId, name: n.name, type: n.type });
  };
  const disconnect = networks.disconnect.bind(networks);
  networks.disconnect = async (ref, containerId, opts) => {
    await disconnect(ref, containerId, opts);
    const n = await nameOf(ref);
    if (n) emit('disconnect', n.id, { container: containerId, name: n.name, type: n.type });
  };
}
