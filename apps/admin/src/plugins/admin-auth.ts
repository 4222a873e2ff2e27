import { createHash, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { AppError } from '@leadrelay/http-kit';

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler of every admin route: `Authorization: Bearer $ADMIN_TOKEN`. */
    authenticateAdmin: (request: FastifyRequest) => Promise<void>;
    /** Constant-time comparison of a presented token with ADMIN_TOKEN. */
    isAdminToken: (presented: string) => boolean;
  }
}

// Comparing digests keeps the comparison constant-time whatever the presented length.
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export default fp(
  async (app) => {
    const expected = digest(app.adminConfig.ADMIN_TOKEN);
    const isAdminToken = (presented: string) => timingSafeEqual(digest(presented), expected);
    app.decorate('isAdminToken', isAdminToken);
    app.decorate('authenticateAdmin', async (request: FastifyRequest) => {
      const authorization = request.headers.authorization;
      const token = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : undefined;
      if (!token || !isAdminToken(token)) {
        throw new AppError('unauthorized', 'a valid admin token is required (Authorization: Bearer <ADMIN_TOKEN>)');
      }
    });
  },
  { name: 'admin-auth', dependencies: ['infrastructure'] },
);
