/**
 * Child process for the restore test: creates and starts containers with its own Runtime, says
 * "started", then waits to be killed — standing in for a daemon that dies while they run.
 * argv: stateRoot, then JSON [{ id, bundle, logPath, input }]
 */
import { createRuntime } from '../../src/runtime/index.js';
import type { SpecInput } from '../../src/runtime/runtime.js';

const [stateRoot, json] = process.argv.slice(2);
const items = JSON.parse(json!) as { id: string; bundle: string; logPath: string; input: SpecInput }[];
const rt = createRuntime({ stateRoot: stateRoot! });
for (const it of items) {
  const spec = await rt.buildSpec(it.input);
  await rt.create({ id: it.id, bundle: it.bundle, spec, logPath: it.logPath, tty: false, openStdin: false });
  await rt.start(it.id);
}
process.stdout.write('started\n');
setInterval(() => {}, 1000);
