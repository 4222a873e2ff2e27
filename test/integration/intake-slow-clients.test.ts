import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppProcess } from '../support/app-process.ts';
import { freePort } from '../support/free-port.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { createQueuePrefix, deleteRedisKeys, testRedisUrl } from '../support/test-redis.ts';
import { waitFor } from '../support/wait-for.ts';

/** A raw TCP client of intake's public port, remembering what it received and whether it was closed. */
interface RawClient {
  socket: Socket;
  received: () => string;
  closed: () => boolean;
}

describe('intake and clients that hold connections', () => {
  let database: TestDatabase;
  const queuePrefix = createQueuePrefix();
  let intake: AppProcess;
  let port: number;
  const clients: RawClient[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const metricsPort = await freePort();
    port = await freePort();
    intake = new AppProcess(
      'intake',
      {
        NODE_ENV: 'test',
        DATABASE_URL: database.url,
        REDIS_URL: testRedisUrl,
        QUEUE_PREFIX: queuePrefix,
        INTAKE_HOST: '127.0.0.1',
        INTAKE_PORT: String(port),
        INTAKE_METRICS_PORT: String(metricsPort),
        INTAKE_HEADERS_TIMEOUT: '1s',
        INTAKE_REQUEST_TIMEOUT: '2s',
        INTAKE_MAX_CONNECTIONS: '3',
      },
      metricsPort,
    );
    await intake.start();
  }, 120_000);

  afterEach(() => {
    for (const client of clients.splice(0)) client.socket.destroy();
  });

  afterAll(async () => {
    await intake?.stop();
    await database?.drop();
    await deleteRedisKeys(queuePrefix);
  });

  async function openClient(): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let closed = false;
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('close', () => (closed = true));
    // A refused or reset connection is what some tests wait for; it shows as closed.
    socket.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = { socket, received: () => received, closed: () => closed };
    clients.push(client);
    return client;
  }

  /** Writes one byte of `text` every 200 ms, over and over, until the socket is closed. */
  function trickle(client: RawClient, text: string): void {
    let position = 0;
    const timer = setInterval(() => {
      if (client.closed() || client.socket.destroyed) return clearInterval(timer);
      client.socket.write(text[position % text.length]!);
      position += 1;
    }, 200);
    client.socket.once('close', () => clearInterval(timer));
  }

  /** Sends a keep-alive GET /healthz and waits for its whole answer; returns the status line, or `closed`. */
  async function healthz(client: RawClient): Promise<string> {
    const before = client.received().length;
    client.socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    const answer = await waitFor(
      () => {
        const text = client.received().slice(before);
        const headerEnd = text.indexOf('\r\n\r\n');
        const length = Number(/content-length: (\d+)/i.exec(text.slice(0, Math.max(headerEnd, 0)))?.[1] ?? 0);
        if (headerEnd >= 0 && text.length >= headerEnd + 4 + length) return text;
        return client.closed() ? 'closed' : undefined;
      },
      { timeoutMs: 10_000, description: 'the /healthz answer' },
    );
    return answer.split('\r\n')[0]!;
  }

  it('cuts off a client that sends its headers one byte at a time, once the headers timeout has passed', async () => {
    const client = await openClient();
    trickle(client, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(10_000)}`);
    await waitFor(() => client.closed(), { timeoutMs: 20_000, description: 'intake to close the trickling connection' });
    expect(client.received()).toMatch(/^(HTTP\/1\.1 408 |$)/);
  });

  it('cuts off a client that sends its body one byte at a time, once the request timeout has passed', async () => {
    const client = await openClient();
    client.socket.write(
      `POST /v1/leads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`,
    );
    trickle(client, '{"email":"x@example.com"} ');
    await waitFor(() => client.closed(), { timeoutMs: 20_000, description: 'intake to close the trickling connection' });
    expect(client.received()).toMatch(/^(HTTP\/1\.1 408 |$)/);
  });

  it('closes a connection past INTAKE_MAX_CONNECTIONS at once, and keeps the ones it holds', async () => {
    const held = [await openClient(), await openClient(), await openClient()];
    // Each has been accepted and answered: intake holds three idle keep-alive connections.
    for (const client of held) expect(await healthz(client)).toBe('HTTP/1.1 200 OK');

    const extra = await openClient();
    extra.socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    await waitFor(() => extra.closed(), { timeoutMs: 10_000, description: 'intake to close the fourth connection' });
    expect(extra.received()).toBe('');

    // The three it holds still work.
    for (const client of held) {
      expect(client.closed()).toBe(false);
      expect(await healthz(client)).toBe('HTTP/1.1 200 OK');
    }

    // One of them goes, and a new one is taken again.
    held[0]!.socket.end();
    await waitFor(() => held[0]!.closed(), { description: 'the first connection to close' });
    await waitFor(
      async () => {
        const replacement = await openClient();
        return (await healthz(replacement)) === 'HTTP/1.1 200 OK';
      },
      { timeoutMs: 10_000, description: 'a new connection to be taken once one is free' },
    );
  });
});
