import { spawn } from 'node:child_process';
import { internal } from '../common/errors.js';


/**
 * Extended attributes without a native addon or the `attr` package: Node has no xattr API,
 * so a small Perl program (perl-base is part of every Debian system) makes the l*xattr
 * system calls. Values travel hex-encoded, so binary values (security.capability) survive.
 * Symlinks are never followed.
 */

// Syscall numbers: lsetxattr, lgetxattr, llistxattr.
const SYSCALLS: Record<string, [number, number, number]> = {
  x64: [189, 192, 195],
  arm64: [6, 9, 12],
  riscv64: [6, 9, 12],
};

function syscalls(): [number, number, number] {
  const s = SYSCALLS[process.arch];
  if (!s) throw internal(`extended attributes are not supported on ${process.arch}`);
  return s;
}

const SET_SCRIPT = String.raw`
local $/ = "\0"; my $setx = $ARGV[0] + 0; my $bad = 0;
while (defined(my $p = <STDIN>)) {
  chomp $p; my $k = <STDIN>; chomp $k; my $h = <STDIN>; chomp $h;
  my $v = pack("H*", $h);
  if (syscall($setx, $p, $k, $v, length($v), 0) != 0) { print "$p\0$k\0$!\0"; $bad = 1; }
}
exit 0;
`;

const LIST_SCRIPT = String.raw`
my ($listx, $getx, $recursive) = map { $_ + 0 } @ARGV[0..2];
sub dumpx {
  my ($p) = @_; my $b = "\0" x 262144; my $n = syscall($listx, $p, $b, 262144);
  return if $n <= 0;
  for my $k (split(/\0/, substr($b, 0, $n))) {
    my $v = "\0" x 262144; my $m = syscall($getx, $p, $k, $v, 262144);
    next if $m < 0;
    print "$p\0$k\0", unpack("H*", substr($v, 0, $m)), "\0";
  }
}
sub walk {
  my ($d) = @_; opendir(my $dh, $d) or return; my @e = readdir($dh); closedir($dh);
  for my $e (@e) {
    next if $e eq '.' || $e eq '..';
    my $p = "$d/$e"; dumpx($p);
    walk($p) if (!-l $p && -d _);
  }
}
local $/ = "\0";
while (defined(my $root = <STDIN>)) { chomp $root; dumpx($root); walk($root) if $recursive && !-l $root && -d _; }
`;

function perl(script: string, args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('perl', ['-e', script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.stdin.on('error', () => {});
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(internal(`xattr helper failed (${code}): ${err.trim()}`));
    });
    child.stdin.end(input);
  });
}

function fields(buf: Buffer): string[] {
  const parts = buf.toString('utf8').split('\0');
  parts.pop(); // after the final NUL
  return parts;
}

export interface XattrWrite {
  path: string;
  name: string;
  value: Buffer;
}

/** Sets many xattrs in one helper run; returns the ones that failed, with the error. */
export async function setXattrs(items: XattrWrite[]): Promise<Array<XattrWrite & { error: string }>> {
  if (items.length === 0) return [];
  const input = Buffer.concat(items.map((x) => Buffer.concat([Buffer.from(`${x.path}\0${x.name}\0`), Buffer.from(`${x.value.toString('hex')}\0`)])));
  const f = fields(await perl(SET_SCRIPT, [String(syscalls()[0])], input));
  const failed: Array<XattrWrite & { error: string }> = [];
  for (let i = 0; i + 2 < f.length; i += 3) {
    const item = items.find((x) => x.path === f[i] && x.name === f[i + 1]);
    if (item) failed.push({ ...item, error: f[i + 2] });
  }
  return failed;
}

export async function setXattr(path: string, name: string, value: Buffer): Promise<void> {
  const failed = await setXattrs([{ path, name, value }]);
  if (failed.length) throw internal(`setting xattr ${name} on ${path}: ${failed[0].error}`);
}

async function list(paths: string[], recursive: boolean): Promise<Map<string, Map<string, Buffer>>> {
  const [, getx, listx] = syscalls();
  const out = new Map<string, Map<string, Buffer>>();
  if (paths.length === 0) return out;
  const f = fields(await perl(LIST_SCRIPT, [String(listx), String(getx), recursive ? '1' : '0'], Buffer.from(paths.map((p) => `${p}\0`).join(''))));
  for (let i = 0; i + 2 < f.length; i += 3) {
    let m = out.get(f[i]);
    if (!m) out.set(f[i], (m = new Map()));
    m.set(f[i + 1], Buffer.from(f[i + 2], 'hex'));
  }
  return out;
}

/** Every xattr (all namespaces) of `dir` and everything under it, keyed by path; one process. */
export function listXattrsRecursive(dir: string): Promise<Map<string, Map<string, Buffer>>> {
  return list([dir], true);
}

/** The xattrs of the given paths (not following symlinks). */
export async function getXattrs(path: string): Promise<Map<string, Buffer>> {
  return (await list([path], false)).get(path) ?? new Map();
}

