import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Extended attributes through the `attr` package's setfattr/getfattr (Node has no xattr
 * API and no native addon for it is installed). Values travel hex-encoded so binary
 * values (security.capability) survive.
 */
export async function setXattr(path: string, name: string, value: Buffer): Promise<void> {
  await run('setfattr', ['-h', '-n', name, '-v', `0x${value.toString('hex')}`, '--', path]);
}

/** Unescapes getfattr's octal escapes in file names ("\012" → newline, "\\" → "\"). */
function unescapeName(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else if (s[i] === '\\' && s[i + 1] === '\\') {
      bytes.push(0x5c);
      i += 1;
    } else {
      bytes.push(...Buffer.from(s[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeValue(v: string): Buffer {
  if (v.startsWith('0x')) return Buffer.from(v.slice(2), 'hex');
  if (v.startsWith('0s')) return Buffer.from(v.slice(2), 'base64');
  if (v.startsWith('"') && v.endsWith('"')) return Buffer.from(v.slice(1, -1));
  return Buffer.from(v);
}

/** Every xattr (all namespaces) of every entry under `dir`, keyed by absolute path; one process. */
export async function listXattrsRecursive(dir: string): Promise<Map<string, Map<string, Buffer>>> {
  const out = new Map<string, Map<string, Buffer>>();
  let stdout: string;
  try {
    ({ stdout } = await run('getfattr', ['-R', '-P', '-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', '--', dir], {
      maxBuffer: 256 * 1024 * 1024,
    }));
  } catch (err) {
    // getfattr exits 1 when some entry vanished or had unreadable xattrs; keep what it printed.
    stdout = (err as { stdout?: string }).stdout ?? '';
    if (!stdout && (err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
  }
  let current: Map<string, Buffer> | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('# file: ')) {
      current = new Map();
      out.set(unescapeName(line.slice(8)), current);
    } else if (current && line && !line.startsWith('#')) {
      const eq = line.indexOf('=');
      if (eq > 0) current.set(line.slice(0, eq), decodeValue(line.slice(eq + 1)));
    }
  }
  return out;
}
