import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Docker Hub's key in config.json `auths` (what `docker login` writes for Docker Hub). */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

export interface StoredAuth {
  username: string;
  password: string;
  serveraddress: string;
}

/** The config.json docker and wharf share: $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker'), 'config.json');
}

type ConfigFile = { auths?: Record<string, { auth?: string; identitytoken?: string }> } & Record<string, unknown>;

function readConfig(file: string): ConfigFile {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ConfigFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`loading config file ${file}: ${(err as Error).message}`);
  }
}

/** Writes the whole file atomically (temp file + rename), keeping every other key docker put there. */
function writeConfig(file: string, cfg: ConfigFile): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(cfg, null, '\t') + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}

/** The key docker uses for a registry domain: Docker Hub's legacy URL, else the host as given. */
export function authKey(domain: string): string {
  return domain === 'docker.io' || domain === 'index.docker.io' || domain === 'registry-1.docker.io' ? DOCKER_HUB_AUTH_KEY : domain;
}

/** Credentials stored for a registry domain, if any (entries written as "http(s)://host" match too). */
export function lookupAuth(domain: string, env: NodeJS.ProcessEnv = process.env): StoredAuth | undefined {
  const auths = readConfig(dockerConfigPath(env)).auths ?? {};
  const key = authKey(domain);
  const entry = auths[key] ?? Object.entries(auths).find(([k]) => k.replace(/^https?:\/\//, '').replace(/\/.*$/, '') === key)?.[1];
  if (!entry?.auth) return undefined;
  const text = Buffer.from(entry.auth, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i < 0) return undefined;
  return { username: text.slice(0, i), password: text.slice(i + 1), serveraddress: key };
}

export function storeAuth(domain: string, username: string, password: string, env: NodeJS.ProcessEnv = process.env): string {
  const file = dockerConfigPath(env);
  const cfg = readConfig(file);
  cfg.auths = { ...(cfg.auths ?? {}), [authKey(domain)]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } };
  writeConfig(file, cfg);
  return file;
}

/** Removes a registry's entry; false when there was none. */
export function removeAuth(domain: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const file = dockerConfigPath(env);
  const cfg = readConfig(file);
  const key = authKey(domain);
  if (!cfg.auths?.[key]) return false;
  delete cfg.auths[key];
  writeConfig(file, cfg);
  return true;
}
