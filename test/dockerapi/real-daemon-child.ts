import { runDaemon } from '../../src/daemon/main.js';

// `wharf daemon` with the real engine, for protocol tests that drive it with the docker CLI.
process.exitCode = await runDaemon(process.argv.slice(2));
