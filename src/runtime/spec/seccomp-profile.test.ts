import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSeccompProfile } from './seccomp-profile.js';
import { dockerProfileToOci } from './security-opts.js';

const allowed = (p: ReturnType<typeof defaultSeccompProfile>) =>
  new Set(p.syscalls.filter((s) => s.action === 'SCMP_ACT_ALLOW' && !s.args).flatMap((s) => s.names));

test('default: EPERM for anything not allowed; common syscalls allowed, dangerous ones not', () => {
  const p = defaultSeccompProfile(['CAP_CHOWN'], 'x64');
  assert.equal(p.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(p.defaultErrnoRet, 1);
  assert.deepEqual(p.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  const names = allowed(p);
  for (const n of ['read', 'write', 'openat', 'execve', 'arch_prctl', 'ptrace']) assert.ok(names.has(n), n);
  for (const n of ['mount', 'unshare', 'setns', 'reboot', 'kexec_load', 'init_module', 'bpf', 'clone']) assert.ok(!names.has(n), n);
  const clone = p.syscalls.find((s) => s.names.includes('clone'));
  assert.deepEqual(clone?.args, [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]);
  assert.equal(p.syscalls.find((s) => s.names.includes('clone3'))?.errnoRet, 38);
});

test('capabilities unlock their syscalls', () => {
  const names = allowed(defaultSeccompProfile(['CAP_SYS_ADMIN', 'CAP_SYS_TIME'], 'x64'));
  for (const n of ['mount', 'unshare', 'setns', 'clone', 'clone3', 'settimeofday']) assert.ok(names.has(n), n);
});

test('a Docker-format custom profile is converted for this arch and capability set', () => {
  const json = JSON.stringify({
    defaultAction: 'SCMP_ACT_ALLOW',
    archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] }],
    syscalls: [
      { names: ['chmod'], action: 'SCMP_ACT_ERRNO' },
      { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
    ],
  });
  const p = dockerProfileToOci(json, [], 'x64');
  assert.deepEqual(p.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
  assert.deepEqual(p.syscalls, [{ names: ['chmod'], action: 'SCMP_ACT_ERRNO' }]);
  assert.throws(() => dockerProfileToOci('{', []), /Decoding seccomp profile failed/);
});
