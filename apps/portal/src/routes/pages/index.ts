import type { FastifyPluginAsync } from 'fastify';
import formbody from '@fastify/formbody';
import pageSecurity from '../../plugins/page-security.ts';
import { renderErrorPage } from '../../views/error-page.ts';
import { pageViewerOf } from './page-reply.ts';
import assetRoutes from './assets.ts';
import sessionPages from './session.ts';
import destinationPages from './destinations.ts';
import deliveryPages from './deliveries.ts';

/**
 * The portal's web pages: server-rendered HTML, forms that POST and redirect (no JavaScript
 * needed), in a context of their own so that form bodies, the security headers and CSRF checks
 * apply here and never to the JSON API. Errors are mapped to statuses by the one error handler;
 * here its JSON answer becomes an HTML page.
 */
const pages: FastifyPluginAsync = async (app) => {
  await app.register(formbody, { bodyLimit: 65_536 });
  await app.register(pageSecurity);
  // Not part of the API document.
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true };
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode < 400 || !String(reply.getHeader('content-type') ?? '').startsWith('application/json')) return payload;
    const { error } = JSON.parse(String(payload)) as { error?: { message?: string } };
    reply.type('text/html; charset=utf-8');
    const viewer = pageViewerOf(request);
    return renderErrorPage({ statusCode: reply.statusCode, message: error?.message ?? 'the request failed', ...(viewer ? { viewer } : {}) });
  });

  await app.register(assetRoutes);
  await app.register(sessionPages);
  await app.register(destinationPages);
  await app.register(deliveryPages);
};

export default pages;
