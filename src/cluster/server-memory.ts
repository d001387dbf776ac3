/**
 * The API server's V8 heap policy. While objects stream in fast (100,000 creates through one
 * server), V8 lets the old generation grow to about four times the live data before a full
 * collection and keeps those pages committed afterwards: about 58 MiB live behind 260 MiB of
 * committed heap, most of the server's RSS. A growing factor of 1.5 keeps the committed heap
 * near 1.5x the live data; the price is more frequent full collections, which V8 marks
 * incrementally and concurrently (on 2 cores, write and list latencies were unchanged).
 *
 * Applied at run time because `wharf server` is started as `node bin/wharf server`, where no
 * command-line flag can be added; call it only in the server's own process.
 */
import { setFlagsFromString } from 'node:v8';

export function tuneHeapForServer(): void {
  setFlagsFromString('--heap-growing-percent=50');
}
