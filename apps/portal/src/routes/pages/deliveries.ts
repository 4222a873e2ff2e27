import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, keysetPageQuery } from '@leadrelay/http-kit';
import { DeliveryIdParams, DeliveryStatusSchema, DestinationIdParams, type DestinationScope, type DestinationView } from '@leadrelay/destinations';
import { renderDeliveriesPage } from '../../views/deliveries-page.ts';
import { renderDeliveryPage } from '../../views/delivery-page.ts';
import { scopeOf } from '../v1/subscriber-scope.ts';
import { parseForm } from './form-input.ts';
import { runFormAction, sendHtml, signedInViewer, takeFlash } from './page-reply.ts';

const deliveriesPerPage = 25;

/** The list's GET form: an empty status is "any". */
const DeliveriesPageQuery = z.object({
  status: z.union([z.literal('').transform(() => undefined), DeliveryStatusSchema]).optional(),
  cursor: keysetPageQuery.cursor,
});


/** A destination's deliveries, one delivery with its attempts, and replaying it. */
const deliveryPages: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', app.authenticatePageSession);
  const { destinationRegistry: registry, deliveryDirectory, deliveryReplayer } = app;

  /** The delivery's destination, for the page's title and way back; a deleted one is shown by its id. */
  const destinationOf = async (scope: DestinationScope, destinationId: string): Promise<Pick<DestinationView, 'id' | 'name'>> => {
    try {
      return await registry.get(scope, destinationId);
    } catch (error) {
      if (error instanceof AppError && error.code === 'not_found') return { id: destinationId, name: `deleted destination ${destinationId}` };
      throw error;
    }
  };

  app.get('/destinations/:id/deliveries', async (request, reply) => {
    const { id } = parseForm(DestinationIdParams, request.params);
    const { status, cursor } = parseForm(DeliveriesPageQuery, request.query ?? {});
    const scope = scopeOf(request);
    const destination = await registry.get(scope, id);
    const { deliveries, nextCursor } = await deliveryDirectory.list(scope, {
      destinationId: id,
      limit: deliveriesPerPage,
      ...(status ? { status } : {}),
      ...(cursor ? { cursor } : {}),
    });
    const flash = await takeFlash(request);
    return sendHtml(
      reply,
      renderDeliveriesPage({ viewer: signedInViewer(request), destination, deliveries, status, nextCursor, paged: cursor !== undefined, ...(flash ? { flash } : {}) }),
    );
  });

  app.get('/deliveries/:id', async (request, reply) => {
    const { id } = parseForm(DeliveryIdParams, request.params);
    const scope = scopeOf(request);
    const delivery = await deliveryDirectory.get(scope, id);
    const destination = await destinationOf(scope, delivery.destinationId);
    const flash = await takeFlash(request);
    return sendHtml(reply, renderDeliveryPage({ viewer: signedInViewer(request), destination, delivery, ...(flash ? { flash } : {}) }));
  });

  app.post('/deliveries/:id/replay', { schema: { operationId: 'replayDelivery' } }, async (request, reply) => {
    const { id } = parseForm(DeliveryIdParams, request.params);
    return runFormAction(request, reply, `/deliveries/${id}`, async () => {
      await deliveryReplayer.replayDelivery(scopeOf(request), id);
      return { redirect: `/deliveries/${id}`, flash: { kind: 'notice', message: 'Sent again: a new run of the retry schedule has started, with the same message id.' } };
    });
  });
};

export default deliveryPages;
