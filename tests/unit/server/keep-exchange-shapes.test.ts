import { once } from 'node:events';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { keepingExchangeShapes, keptExchange } from '../../../server/src/keep-exchange-shapes.js';

describe('keepingExchangeShapes', () => {
  test('hands every request to the listener and holds the last request and response until the next', async () => {
    const seen: string[] = [];
    const answer: RequestListener = (request, response) => {
      seen.push(request.url ?? '');
      response.end(`answered ${request.url}`);
    };
    const server = createServer(keepingExchangeShapes(answer));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      for (const url of ['/first', '/second']) {
        const response = await fetch(`http://127.0.0.1:${port}${url}`);
        expect(await response.text()).toBe(`answered ${url}`);
        // Held after the answer is sent: that is what keeps its shapes alive while the server waits.
        const kept = keptExchange();
        expect(kept?.request.url).toBe(url);
        expect(kept?.response.writableFinished).toBe(true);
      }
      expect(seen).toEqual(['/first', '/second']);
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
});
