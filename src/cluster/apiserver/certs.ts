/**
 * The cluster's PKI, made on first start and kept in <data-dir>/tls: a CA, the API server's
 * serving certificate (SANs for loopback, the host name, the bind address and the
 * in-cluster service names) and an admin client certificate (CN system:admin,
 * O system:masters) for the kubeconfig. ECDSA P-256 keys, PKCS#8 PEM.
 */
import { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import './reflect-metadata-shim.js';
import * as x509 from '@peculiar/x509';
import { writeFileAtomic } from '../../common/atomic-file.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface Pem {
  cert: string;
  key: string;
}

export interface ClusterPki {
  ca: Pem;
  serving: Pem;
  admin: Pem;
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function keyPem(k: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', k));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

const serial = (): string => Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');
const years = (n: number): Date => new Date(Date.now() + n * 365 * 24 * 3600 * 1000);

async function makeCa(): Promise<{ pem: Pem; cert: x509.X509Certificate; keys: CryptoKeyPair }> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=wharf-server-ca@${Math.floor(Date.now() / 1000)}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: years(10),
    signingAlgorithm: alg,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { pem: { cert: cert.toString('pem') + '\n', key: await keyPem(keys.privateKey) }, cert, keys };
}

async function issue(ca: { cert: x509.X509Certificate; keys: CryptoKeyPair }, subject: string, usage: 'server' | 'client', sans: { dns: string[]; ips: string[] } = { dns: [], ips: [] }): Promise<Pem> {
  const keys = await keyPair();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
  ];
  if (usage === 'server')
    extensions.push(new x509.SubjectAlternativeNameExtension([...sans.dns.map((value) => ({ type: 'dns' as const, value })), ...sans.ips.map((value) => ({ type: 'ip' as const, value }))]));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: years(1),
    signingAlgorithm: alg,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions,
  });
  return { cert: cert.toString('pem') + '\n', key: await keyPem(keys.privateKey) };
}

/** Loads the PKI from `dir`, making whatever is missing. */
export async function ensurePki(dir: string, extraSans: string[] = []): Promise<ClusterPki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = (n: string): Pem | undefined => {
    const c = join(dir, `${n}.crt`);
    const k = join(dir, `${n}.key`);
    return existsSync(c) && existsSync(k) ? { cert: readFileSync(c, 'utf8'), key: readFileSync(k, 'utf8') } : undefined;
  };
  const save = async (n: string, p: Pem): Promise<void> => {
    await writeFileAtomic(join(dir, `${n}.key`), p.key, 0o600);
    await writeFileAtomic(join(dir, `${n}.crt`), p.cert, 0o644);
  };
  let caPem = files('server-ca');
  let ca: { cert: x509.X509Certificate; keys: CryptoKeyPair } | undefined;
  const loadCa = async (): Promise<{ cert: x509.X509Certificate; keys: CryptoKeyPair }> => {
    if (ca) return ca;
    if (!caPem) {
      const made = await makeCa();
      await save('server-ca', made.pem);
      caPem = made.pem;
      ca = made;
      return made;
    }
    const cert = new x509.X509Certificate(caPem.cert);
    const der = Buffer.from(caPem.key.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    const privateKey = await webcrypto.subtle.importKey('pkcs8', der, alg, true, ['sign']);
    ca = { cert, keys: { privateKey, publicKey: await cert.publicKey.export(alg, ['verify']) } as CryptoKeyPair };
    return ca;
  };
  const sansIps = ['127.0.0.1', '::1', '10.43.0.1', ...extraSans.filter((s) => /^[\d.:]+$/.test(s))];
  const sansDns = ['localhost', hostname(), 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', ...extraSans.filter((s) => !/^[\d.:]+$/.test(s))];
  let serving = files('serving-kube-apiserver');
  if (!serving || !caPem) {
    serving = await issue(await loadCa(), 'CN=kube-apiserver', 'server', { dns: [...new Set(sansDns)], ips: [...new Set(sansIps)] });
    await save('serving-kube-apiserver', serving);
  }
  let admin = files('client-admin');
  if (!admin) {
    admin = await issue(await loadCa(), 'CN=system:admin, O=system:masters', 'client');
    await save('client-admin', admin);
  }
  return { ca: caPem!, serving, admin };
}

/** Issues a client certificate signed by the cluster CA (for tests and future node agents). */
export async function issueClientCert(dir: string, commonName: string, groups: string[] = []): Promise<Pem> {
  const caPem = { cert: readFileSync(join(dir, 'server-ca.crt'), 'utf8'), key: readFileSync(join(dir, 'server-ca.key'), 'utf8') };
  const cert = new x509.X509Certificate(caPem.cert);
  const der = Buffer.from(caPem.key.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, alg, true, ['sign']);
  const subject = [`CN=${commonName}`, ...groups.map((g) => `O=${g}`)].join(', ');
  return issue({ cert, keys: { privateKey, publicKey: await cert.publicKey.export(alg, ['verify']) } as CryptoKeyPair }, subject, 'client');
}
