import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyChanges, splitWords } from './change-instructions.js';

test('applies Dockerfile change instructions to a runtime config', () => {
  const c = applyChanges({ Env: ['PATH=/bin'] }, [
    'CMD ["sh", "-c", "echo hi"]',
    'ENV A=1 B="two words"',
    'ENV PATH /usr/bin:/bin',
    'WORKDIR /srv',
    'WORKDIR app',
    'USER wharf',
    'EXPOSE 80 53/udp 8000-8001',
    'LABEL com.example.a=1 "b c"=d',
    'VOLUME ["/data", "/logs"]',
    'STOPSIGNAL SIGQUIT',
    'ONBUILD run echo built',
  ]);
  assert.deepEqual(c.Cmd, ['sh', '-c', 'echo hi']);
  assert.deepEqual(c.Env, ['PATH=/usr/bin:/bin', 'A=1', 'B=two words']);
  assert.equal(c.WorkingDir, '/srv/app');
  assert.equal(c.User, 'wharf');
  assert.deepEqual(Object.keys(c.ExposedPorts ?? {}), ['80/tcp', '53/udp', '8000/tcp', '8001/tcp']);
  assert.deepEqual(c.Labels, { 'com.example.a': '1', 'b c': 'd' });
  assert.deepEqual(Object.keys(c.Volumes ?? {}), ['/data', '/logs']);
  assert.equal(c.StopSignal, 'SIGQUIT');
  assert.deepEqual(c.OnBuild, ['RUN echo built']);
});

test('shell forms and ENTRYPOINT resetting an inherited CMD', () => {
  const c = applyChanges({ Cmd: ['old'] }, ['ENTRYPOINT /bin/app --flag']);
  assert.deepEqual(c.Entrypoint, ['/bin/sh', '-c', '/bin/app --flag']);
  assert.equal(c.Cmd, null);
  const d = applyChanges({}, ['CMD echo $HOME', 'ENTRYPOINT ["/e"]']);
  assert.deepEqual(d.Cmd, ['/bin/sh', '-c', 'echo $HOME']);
  assert.deepEqual(d.Entrypoint, ['/e']);
});

test('refuses instructions import and commit do not allow', () => {
  assert.throws(() => applyChanges({}, ['RUN echo hi']), { message: 'run is not a valid change command' });
  assert.throws(() => applyChanges({}, ['FROM busybox']), { message: 'from is not a valid change command' });
  assert.throws(() => applyChanges({}, ['EXPOSE http']), /invalid containerPort: http/);
  assert.throws(() => applyChanges({}, ['ONBUILD ONBUILD RUN x']), /Chaining ONBUILD/);
});

test('splitWords handles quotes and escapes', () => {
  assert.deepEqual(splitWords(`a "b c" 'd e' f\\ g`), ['a', 'b c', 'd e', 'f g']);
  assert.throws(() => splitWords('"open'), /matching/);
});

test('variables expand against the environment built so far', () => {
  const c = applyChanges({ Env: ['PATH=/bin', 'HOME=/root'] }, [
    'ENV PATH=$PATH:/opt/bin APP=${HOME}/app',
    "ENV LITERAL='$HOME' DEF=${NOPE:-fallback} ALT=${HOME:+set}",
    'WORKDIR $APP',
    'LABEL where="$APP"',
  ]);
  assert.deepEqual(c.Env, ['PATH=/bin:/opt/bin', 'HOME=/root', 'APP=/root/app', 'LITERAL=$HOME', 'DEF=fallback', 'ALT=set']);
  assert.equal(c.WorkingDir, '/root/app');
  assert.deepEqual(c.Labels, { where: '/root/app' });
});
