import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@leadrelay/observability';
import { createHttpApp } from './create-http-app.ts';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('createHttpApp request ids', () => {
  let app: FastifyInstance | undefined;
  const lines: string[] = [];

  async function start(): Promise<FastifyInstance> {
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    app = await createHttpApp({ logger: createLogger({ name: 'test', level: 'info', pretty: false, destination }), bodyLimitBytes: 1024 });
    app.get('/id', async (request) => ({ id: request.id }));
    return app;
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
    lines.length = 0;
  });

  /** The request id the route saw and the one on its log line. */
  async function idsFor(headers: Record<string, string | string[]>): Promise<{ used: string; logged: unknown }> {
    const server = app ?? (await start());
    const response = await server.inject({ method: 'GET', url: '/id', headers });
    expect(response.statusCode).toBe(200);
    const used = response.json<{ id: string }>().id;
    const logged = lines.map((line) => JSON.parse(line) as { reqId?: string; msg: string }).find((line) => line.msg === 'request completed')?.reqId;
    lines.length = 0;
    return { used, logged };
  }

  it.each([
    ['a UUID', '3f2b8c1e-4a5d-4e6f-8a9b-0c1d2e3f4a5b'],
    ['a W3C traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['one character', 'a'],
    ['with dots, underscores and colons', 'span.id_7:x'],
    ['128 characters', 'x'.repeat(128)],
  ])("takes the caller's short, plain id: %s", async (_what, callerId) => {
    expect(await idsFor({ 'x-request-id': callerId })).toEqual({ used: callerId, logged: callerId });
  });

  it.each([
    ['12 KB long', 'x'.repeat(12 * 1024)],
    ['129 characters', 'x'.repeat(129)],
    ['empty', ''],
    ['with a space', 'trace 42'],
    ['with a slash', 'trace/42'],
    ['with JSON in it', '{"admin":true}'],
    ['with non-ASCII letters', 'tracé-42'],
    ['sent twice', ['trace-1', 'trace-2']],
  ])('makes a new id when the caller sends one %s', async (_what, callerId) => {
    const { used, logged } = await idsFor({ 'x-request-id': callerId });
    expect(used).toMatch(uuidPattern);
    expect(logged).toBe(used);
  });

  it('makes a new id for each request without one', async () => {
    const first = await idsFor({});
    const second = await idsFor({});
    expect(first.used).toMatch(uuidPattern);
    expect(second.used).toMatch(uuidPattern);
    expect(first.used).not.toBe(second.used);
  });
});
