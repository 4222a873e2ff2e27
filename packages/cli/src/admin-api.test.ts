import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminApiError } from './admin-api-error.ts';
import { answerOf, createAdminApi } from './admin-api.ts';
import { AdminUnreachableError } from './admin-unreachable-error.ts';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

describe('the CLI admin API client', () => {
  let server: Server | undefined;
  const seen: { method?: string; url?: string; authorization?: string }[] = [];

  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
    seen.length = 0;
  });

  async function serve(handler: Handler): Promise<string> {
    server = createServer((request, response) => {
      seen.push({ method: request.method, url: request.url, authorization: request.headers.authorization });
      handler(request, response);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const json = (status: number, body: unknown): Handler => (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  it('sends the token, keeps a path in the base URL as a prefix and encodes path parameters', async () => {
    const baseUrl = await serve(json(200, { partners: [] }));
    const api = createAdminApi({ baseUrl: `${baseUrl}/behind/a/path/`, token: 'the-token' });
    await answerOf(api.GET('/v1/partners/{id}', { params: { path: { id: 'a b/c' } } }));
    expect(seen).toEqual([{ method: 'GET', url: '/behind/a/path/v1/partners/a%20b%2Fc', authorization: 'Bearer the-token' }]);
  });

  it("turns an error answer into an AdminApiError with the API's code and message", async () => {
    const api = createAdminApi({ baseUrl: await serve(json(404, { error: { code: 'not_found', message: 'no partner abc' } })), token: 't' });
    const call = answerOf(api.GET('/v1/partners'));
    await expect(call).rejects.toThrow(AdminApiError);
    await expect(call).rejects.toMatchObject({ status: 404, code: 'not_found', message: 'no partner abc' });
  });

  it('names the status when an error answer has no error body, and refuses a 2xx that is not JSON', async () => {
    const bare = createAdminApi({ baseUrl: await serve((_request, response) => response.writeHead(502).end('bad gateway')), token: 't' });
    await expect(answerOf(bare.GET('/v1/partners'))).rejects.toMatchObject({ status: 502, code: 'http_502', message: 'GET /v1/partners answered 502' });
    await new Promise((resolve) => server!.close(resolve));

    const html = createAdminApi({ baseUrl: await serve((_request, response) => response.writeHead(200).end('<html>')), token: 't' });
    await expect(answerOf(html.GET('/v1/partners'))).rejects.toMatchObject({ status: 200, code: 'not_json' });
  });

  it('says the admin API could not be reached when nothing answers or it answers too late', async () => {
    const closed = await serve(json(200, {}));
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const refused = answerOf(createAdminApi({ baseUrl: closed, token: 't' }).GET('/v1/partners'));
    await expect(refused).rejects.toThrow(AdminUnreachableError);
    await expect(refused).rejects.toThrow(`could not reach the admin API at ${closed} (ECONNREFUSED)`);

    const silent = await serve(() => undefined);
    const late = answerOf(createAdminApi({ baseUrl: silent, token: 't', timeoutMs: 50 }).GET('/v1/partners'));
    await expect(late).rejects.toThrow(`could not reach the admin API at ${silent} (timed out)`);
  });
});
