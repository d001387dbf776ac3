import { startEtcd, type EtcdProcess } from '../../../test/cluster/etcd-process.js';
import { after, before } from 'node:test';
import { EtcdStore } from './etcd-store.js';
import { storeConformance } from './store-conformance.js';

let etcd: EtcdProcess;
before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  await etcd?.stop();
});

// Each test gets its own key space by prefixing through a fresh store; one etcd serves all.
storeConformance('etcd', {
  async open() {
    const store = new EtcdStore(etcd.endpoint);
    return { store, compact: (rev: number) => store.compact(rev), cleanup: () => store.close() };
  },
});
