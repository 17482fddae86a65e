/**
 * Small helpers every benchmark that starts servers shares: a free port on
 * loopback, and a pause. Benchmarks run on loopback only.
 */
import { createServer } from 'node:net';

/** The loopback address every benchmark listens on and measures. */
export const LOOPBACK = '127.0.0.1';

/** A TCP port free on loopback right now (asked of the system, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, LOOPBACK, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
