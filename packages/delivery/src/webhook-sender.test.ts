import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolveAll } from '@leadrelay/destination-policy';
import { WebhookSender, responseBodyLimitBytes } from './webhook-sender.ts';

interface ServerRecord {
  requests: number;
  /** Connections the client closed before the answer ended. */
  abandoned: number;
  bytesWritten: number;
}

/** One local receiver with a route per misbehaviour. */
async function startReceiver(record: ServerRecord): Promise<{ server: Server; port: number }> {
  const routes: Record<string, (request: IncomingMessage, response: ServerResponse) => void> = {
    '/ok': (_request, response) => response.end('accepted'),
    '/big': (_request, response) => {
      // 1 MiB, announced, as a receiver that echoes a huge page would send it.
      const body = Buffer.alloc(1_048_576, 'a');
      response.writeHead(200, { 'content-length': body.length }).end(body);
    },
    '/endless': (_request, response) => {
      response.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 'b');
      const pump = () => {
        while (!response.destroyed && response.write(chunk)) record.bytesWritten += chunk.length;
        if (!response.destroyed) response.once('drain', pump);
      };
      pump();
    },
    '/trickle': (_request, response) => {
      response.writeHead(200);
      const timer = setInterval(() => response.write('.'), 20);
      response.on('close', () => clearInterval(timer));
    },
    '/hang': () => {},
    '/redirect': (_request, response) => response.writeHead(302, { location: '/ok' }).end(),
    '/nul': (_request, response) => response.writeHead(500).end('bad\u0000byte'),
  };
  const server = createServer((request, response) => {
    record.requests += 1;
    response.on('close', () => {
      if (!response.writableFinished) record.abandoned += 1;
    });
    request.resume();
    request.on('end', () => routes[request.url ?? '']?.(request, response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe('WebhookSender', () => {
  const record: ServerRecord = { requests: 0, abandoned: 0, bytesWritten: 0 };
  let server: Server;
  let base = '';
  const sender = new WebhookSender({ allowPrivate: true });
  const send = (path: string, timeoutMs = 2_000) => sender.send({ url: `${base}${path}`, headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs });

  beforeAll(async () => {
    const started = await startReceiver(record);
    server = started.server;
    base = `http://127.0.0.1:${started.port}`;
  });

  afterAll(async () => {
    await sender.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('keeps the first 1 KiB of a 1 MiB answer and drops the connection instead of reading the rest', async () => {
    const result = await send('/big');
    expect(result).toMatchObject({ kind: 'response', statusCode: 200, responseBody: 'a'.repeat(1024) });
  });

  it('leaves an endless answer after its first 1 KiB', async () => {
    const abandonedBefore = record.abandoned;
    const result = await send('/endless', 30_000);
    expect(result).toMatchObject({ kind: 'response', statusCode: 200, responseBody: 'b'.repeat(1024) });
    // An endless body was not read to its end (there is none): the client hung up on it.
    await expect.poll(() => record.abandoned).toBe(abandonedBefore + 1);
  });

  it('ends a trickling answer at the timeout, keeping its status and what arrived', async () => {
    const abandonedBefore = record.abandoned;
    const result = await send('/trickle', 500);
    expect(result.kind).toBe('response');
    if (result.kind !== 'response') return;
    expect(result.statusCode).toBe(200);
    expect(result.responseBody).toMatch(/^\.+$/);
    await expect.poll(() => record.abandoned).toBe(abandonedBefore + 1);
  });

  it('ends a trickling answer by its timeout, not by the 1 KiB it would reach later', async () => {
    // One byte every 20 ms reaches the prefix's limit after about 20 s: a body cut short of it was
    // cut by the timeout covering the whole exchange, which undici's idle timeouts never reach.
    const result = await send('/trickle', 500);
    expect(result).toMatchObject({ kind: 'response', statusCode: 200 });
    if (result.kind !== 'response') return;
    expect(result.responseBody.length).toBeLessThan(responseBodyLimitBytes);
  });

  it('reports a receiver that never answers as a timeout, and closes the connection', async () => {
    const abandonedBefore = record.abandoned;
    const result = await send('/hang', 300);
    expect(result).toMatchObject({ kind: 'error', error: 'timed out after 300 ms' });
    await expect.poll(() => record.abandoned).toBe(abandonedBefore + 1);
  });

  it('ends a request still waiting for a connection at its own timeout, and never sends it', async () => {
    const oneConnection = new WebhookSender({ allowPrivate: true, connectionsPerOrigin: 1 });
    const requestsBefore = record.requests;
    try {
      const holding = oneConnection.send({ url: `${base}/hang`, headers: {}, body: '{}', timeoutMs: 5_000 });
      let holdingDone = false;
      void holding.then(() => (holdingDone = true));
      await expect.poll(() => record.requests).toBe(requestsBefore + 1);
      const queued = await oneConnection.send({ url: `${base}/ok`, headers: {}, body: '{}', timeoutMs: 300 });
      expect(queued).toMatchObject({ kind: 'error', error: 'timed out after 300 ms' });
      // It ended on its own timer, while the request ahead of it still held the connection.
      expect(holdingDone).toBe(false);
      expect(await holding).toMatchObject({ kind: 'error', error: 'timed out after 5000 ms' });
      // Once the connection was free, the request that had timed out was not sent after all.
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(record.requests).toBe(requestsBefore + 1);
    } finally {
      await oneConnection.close();
    }
  });

  it('does not follow redirects', async () => {
    const requestsBefore = record.requests;
    expect(await send('/redirect')).toMatchObject({ kind: 'response', statusCode: 302 });
    expect(record.requests).toBe(requestsBefore + 1);
  });

  it('records a body with NUL bytes as text PostgreSQL accepts', async () => {
    expect(await send('/nul')).toMatchObject({ kind: 'response', statusCode: 500, responseBody: 'bad\uFFFDbyte' });
  });

  it('reports connection errors', async () => {
    const result = await sender.send({ url: 'http://127.0.0.1:1/hooks', headers: {}, body: '{}', timeoutMs: 2_000 });
    expect(result).toMatchObject({ kind: 'error', error: expect.stringMatching(/ECONNREFUSED/) });
  });

  describe('with private destinations forbidden', () => {
    // DNS that has changed since the destination was registered: the name now points at loopback.
    const rebound: ResolveAll = (_hostname, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]);
    const guarded = new WebhookSender({ allowPrivate: false, resolveAll: rebound });
    afterAll(() => guarded.close());

    it('refuses a name that resolves to a private address at delivery time, without connecting', async () => {
      const requestsBefore = record.requests;
      const port = new URL(base).port;
      const result = await guarded.send({ url: `http://crm.example:${port}/ok`, headers: {}, body: '{}', timeoutMs: 2_000 });
      expect(result).toMatchObject({ kind: 'error', error: expect.stringMatching(/non-public address 127\.0\.0\.1/) });
      expect(record.requests).toBe(requestsBefore);
    });

    it('refuses private IP literals, which no lookup sees', async () => {
      const requestsBefore = record.requests;
      const result = await guarded.send({ url: `${base}/ok`, headers: {}, body: '{}', timeoutMs: 2_000 });
      expect(result).toMatchObject({ kind: 'error', error: expect.stringMatching(/non-public/) });
      expect(record.requests).toBe(requestsBefore);
    });
  });
});
