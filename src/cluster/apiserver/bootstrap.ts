/** Objects every cluster starts with: the system namespaces and the `kubernetes` service. */
import type { WriteContext } from '../apimachinery/admission.js';
import { ApiError } from '../apimachinery/status.js';
import type { ApiRegistry } from './api-registry.js';

const ctx = (): WriteContext => ({ dryRun: false, fieldManager: 'wharf-server', fieldValidation: 'Strict', warnings: [] });

async function ensure(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
  }
}

export async function bootstrapCluster(reg: ApiRegistry, port: number): Promise<void> {
  const ns = reg.lookup('', 'v1', 'namespaces')!;
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
    if (!(await ns.tryGet(undefined, name))) await ensure(() => ns.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } }, ctx()));
  const svc = reg.lookup('', 'v1', 'services')!;
  if (!(await svc.tryGet('default', 'kubernetes')))
    await ensure(() =>
      svc.create(
        'default',
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
          spec: { type: 'ClusterIP', clusterIP: '10.43.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }] },
        },
        ctx(),
      ),
    );
}
