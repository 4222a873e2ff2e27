import { DeliveryDetailSchema, DeliveryIdParams, DeliveryListSchema, ListDeliveriesQuery } from '@leadrelay/destinations';
import { ErrorBodySchema } from '@leadrelay/http-kit';
import { subscriberKeyAuth } from '../../../plugins/openapi.ts';

const tags = ['deliveries'];
const refused = { 401: ErrorBodySchema, 403: ErrorBodySchema, 429: ErrorBodySchema };

export const listDeliveriesSchema = {
  operationId: 'listDeliveries',
  ...subscriberKeyAuth,
  tags,
  summary: "The deliveries of the subscriber's destinations, newest first",
  description: "404 for a `destinationId` that is not the subscriber's.",
  querystring: ListDeliveriesQuery,
  response: { 200: DeliveryListSchema, 400: ErrorBodySchema, 404: ErrorBodySchema, ...refused },
};

export const getDeliverySchema = {
  operationId: 'getDelivery',
  ...subscriberKeyAuth,
  tags,
  summary: 'Get a delivery with every attempt',
  params: DeliveryIdParams,
  response: { 200: DeliveryDetailSchema, 400: ErrorBodySchema, 404: ErrorBodySchema, ...refused },
};

export const replayDeliverySchema = {
  operationId: 'replayDelivery',
  ...subscriberKeyAuth,
  tags,
  summary: 'Send a delivery again with its message id, as a new run of the retry schedule',
  description:
    '409 `conflict` while it is pending or its destination is disabled or deleted; 409 `content_expired` once retention removed the lead document it sends.',
  params: DeliveryIdParams,
  response: { 202: DeliveryDetailSchema, 400: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, ...refused },
};
