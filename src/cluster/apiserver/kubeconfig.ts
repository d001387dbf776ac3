/** Writes an admin kubeconfig (client certificate user) for a server URL. */
import { stringify } from 'yaml';
import { writeFileAtomic } from '../../common/atomic-file.js';
import type { ClusterPki } from './certs.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

export function kubeconfigText(server: string, pki: ClusterPki, name = 'default'): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority-data': b64(pki.ca.cert) } }],
    users: [{ name, user: { 'client-certificate-data': b64(pki.admin.cert), 'client-key-data': b64(pki.admin.key) } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
    preferences: {},
  });
}

export async function writeKubeconfig(path: string, server: string, pki: ClusterPki, mode = 0o600): Promise<void> {
  await writeFileAtomic(path, kubeconfigText(server, pki), mode);
}
