import { runDaemon } from '../../src/daemon/main.js';
import { TransportTestEngine } from './transport-test-engine.js';

// A `wharf daemon` process for daemon-level tests (locking, signals, listeners, TLS),
// serving the transport test double instead of the real engine.
process.exitCode = await runDaemon(process.argv.slice(2), { engine: new TransportTestEngine() });
