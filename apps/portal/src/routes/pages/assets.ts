import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsync } from 'fastify';

const stylesheet = await readFile(new URL('../../assets/portal.css', import.meta.url), 'utf8');

/** The portal's one stylesheet, served by the portal (no CDN, no external fonts). */
const assetRoutes: FastifyPluginAsync = async (app) => {
  app.get('/assets/portal.css', async (_request, reply) => reply.type('text/css; charset=utf-8').send(stylesheet));
};

export default assetRoutes;
