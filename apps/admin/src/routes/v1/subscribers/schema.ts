import { z } from 'zod';
import { ErrorBodySchema } from '@leadrelay/http-kit';
import { adminTokenAuth, viewerRefusal } from '../../../plugins/openapi.ts';

const SubscriberName = z.string().trim().min(1).max(200);
const ContactEmail = z.email().max(320).describe('Whom operators contact about this CRM');
const MaxDestinations = z.number().int().min(0).max(1000).describe('Destinations it may register itself; default 10');

export const CreateSubscriberBody = z.strictObject({
  name: SubscriberName,
  contactEmail: ContactEmail.optional(),
  maxDestinations: MaxDestinations.optional(),
});

export const UpdateSubscriberBody = z.strictObject({
  name: SubscriberName.optional(),
  contactEmail: ContactEmail.nullable().optional(),
  maxDestinations: MaxDestinations.optional(),
});

export const SubscriberView = z.object({
  id: z.uuid(),
  name: z.string(),
  contactEmail: z.string().nullable(),
  maxDestinations: z.number().int(),
  apiKeyPrefix: z.string().describe('The first characters of its key, to tell keys apart'),
  destinationCount: z.number().int().describe('Destinations it registered that are not deleted'),
  disabled: z.boolean(),
  disabledAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const SubscriberWithKey = SubscriberView.extend({
  apiKey: z.string().describe('The subscriber key (lrsub_…) for the portal and its API; shown only now.'),
});

const SubscriberIdParams = z.object({ id: z.uuid() });

const tags = ['subscribers'];
const refused = { 401: ErrorBodySchema, 429: ErrorBodySchema };
const byId = { 400: ErrorBodySchema, 404: ErrorBodySchema, ...refused };

export const createSubscriberSchema = {
  operationId: 'createSubscriber',
  ...adminTokenAuth,
  tags,
  summary: 'Register a CRM that runs its own destinations; its key is answered once',
  body: CreateSubscriberBody,
  response: { ...viewerRefusal, 201: SubscriberWithKey, 400: ErrorBodySchema, ...refused },
};

export const listSubscribersSchema = {
  operationId: 'listSubscribers',
  ...adminTokenAuth,
  tags,
  summary: 'List subscribers',
  response: { 200: z.object({ subscribers: z.array(SubscriberView) }), ...refused },
};

export const getSubscriberSchema = {
  operationId: 'getSubscriber',
  ...adminTokenAuth,
  tags,
  summary: 'Get a subscriber',
  params: SubscriberIdParams,
  response: { 200: SubscriberView, ...byId },
};

export const updateSubscriberSchema = {
  operationId: 'updateSubscriber',
  ...adminTokenAuth,
  tags,
  summary: "Change a subscriber's name, contact or destination limit",
  params: SubscriberIdParams,
  body: UpdateSubscriberBody,
  response: { ...viewerRefusal, 200: SubscriberView, ...byId },
};

export const rotateSubscriberKeySchema = {
  operationId: 'rotateSubscriberKey',
  ...adminTokenAuth,
  tags,
  summary: 'New subscriber key, answered once; the old one is refused from now on',
  params: SubscriberIdParams,
  response: { ...viewerRefusal, 200: SubscriberWithKey, ...byId },
};

export const disableSubscriberSchema = {
  operationId: 'disableSubscriber',
  ...adminTokenAuth,
  tags,
  summary: "Refuse the subscriber's key and keep its destinations' new deliveries paused",
  params: SubscriberIdParams,
  response: { ...viewerRefusal, 200: SubscriberView, ...byId },
};

export const enableSubscriberSchema = {
  operationId: 'enableSubscriber',
  ...adminTokenAuth,
  tags,
  summary: 'Enable a subscriber and send the paused deliveries of its enabled destinations',
  params: SubscriberIdParams,
  response: { ...viewerRefusal, 200: SubscriberView.extend({ resumedDeliveries: z.number().int() }), ...byId },
};
