import { DeliveryDetailSchema, DeliveryIdParams, DeliveryListSchema, ListDeliveriesQuery } from '@leadrelay/destinations';
import { ErrorBodySchema } from '@leadrelay/http-kit';
import { adminTokenAuth, viewerRefusal } from '../../../plugins/openapi.ts';

const tags = ['deliveries'];
const refused = { 401: ErrorBodySchema, 429: ErrorBodySchema };

export const listDeliveriesSchema = {
  operationId: 'listDeliveries',
  ...adminTokenAuth,
  tags,
  summary: 'List deliveries, newest first',
  querystring: ListDeliveriesQuery,
  response: {
    200: DeliveryListSchema,
    400: ErrorBodySchema,
    ...refused,
  },
};

export const getDeliverySchema = {
  operationId: 'getDelivery',
  ...adminTokenAuth,
  tags,
  summary: 'Get a delivery with its attempts',
  params: DeliveryIdParams,
  response: { 200: DeliveryDetailSchema, 400: ErrorBodySchema, 404: ErrorBodySchema, ...refused },
};

export const replayDeliverySchema = {
  operationId: 'replayDelivery',
  ...adminTokenAuth,
  tags,
  summary: 'Send a delivery again with its message id, as a new run of the retry schedule',
  description:
    '409 `conflict` while it is pending or its destination is disabled or deleted; 409 `content_expired` once retention removed the lead document it sends (RETENTION_DELIVERY_CONTENT).',
  params: DeliveryIdParams,
  response: { ...viewerRefusal, 202: DeliveryDetailSchema, 400: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, ...refused },
};
