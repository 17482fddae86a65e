/**
 * bench/load-clients.ts reads wrk's report: the figures the HTTP benchmark's ratios
 * are made of. The reports are wrk 4.1's own (Debian), recorded against nginx.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseWrk } from '../../../bench/load-clients.js';
import { ROOT } from '../../helpers/paths.js';

const report = (name: string) => readFile(path.join(ROOT, 'tests', 'fixtures', 'bench', name), 'utf8');

describe('parseWrk', () => {
  test('a run of 64 KiB ranges: rate, total, transfer in MB, latencies in ms, no failures', async () => {
    expect(parseWrk(await report('wrk-range.txt'))).toEqual({
      requestsPerSecond: 10088.56,
      total: 11099,
      megabytesPerSecond: (633.26 * 1024 ** 2) / 1e6,
      p50: 0.16,
      p99: 42.35,
      failures: 0,
    });
  });

  test('answers that are not 2xx or 3xx are failures', async () => {
    const run = parseWrk(await report('wrk-not-found.txt'));
    expect(run.failures).toBe(42193);
    expect(run.megabytesPerSecond).toBeCloseTo((11.26 * 1024 ** 2) / 1e6, 6);
    expect(run.p99).toBeCloseTo(0.204, 6);
  });

  test('socket errors of every kind are failures too', async () => {
    const text = (await report('wrk-range.txt')).replace('Requests/sec', '  Socket errors: connect 1, read 2, write 3, timeout 4\nRequests/sec');
    expect(parseWrk(text).failures).toBe(10);
  });

  test('a report without totals (wrk could not connect) is an error, not a zero', () => {
    expect(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused\n')).toThrow(/no totals/);
  });

  test('a figure in a unit it does not know is an error, not a guess', async () => {
    const text = (await report('wrk-range.txt')).replace('633.26MB', '633.26XB');
    expect(() => parseWrk(text)).toThrow(/cannot read: "633.26XB"/);
  });
});
