import { z } from 'zod';
import {
  CreateSubscriberDestinationBody,
  DestinationIdParams,
  DestinationReplaySchema,
  DestinationTestResultSchema,
  DestinationViewSchema,
  DestinationWithSecretSchema,
  EnabledDestinationSchema,
  ListDestinationsQuery,
  ReplayDestinationBody,
  RequestLiveBody,
  RotateSecretBody,
  UpdateSubscriberDestinationBody,
} from '@leadrelay/destinations';
import { ErrorBodySchema } from '@leadrelay/http-kit';
import { FilterTestAnswerSchema, FilterTestBodySchema } from '@leadrelay/lead-filter';
import { subscriberKeyAuth } from '../../../plugins/openapi.ts';

const tags = ['destinations'];
/** 403: the subscriber is disabled. */
const refused = { 401: ErrorBodySchema, 403: ErrorBodySchema, 429: ErrorBodySchema };
/** 404 also for another subscriber's destination: the two are not told apart. */
const byId = { 400: ErrorBodySchema, 404: ErrorBodySchema, ...refused };

export const createDestinationSchema = {
  operationId: 'createDestination',
  ...subscriberKeyAuth,
  tags,
  summary: 'Register a destination; it starts in test mode',
  description:
    'It receives test traffic only (`POST .../test` samples, sandbox partners) until an operator approves its go-live request. ' +
    '409 when the subscriber has as many destinations as it may register (`maxDestinations` in `GET /v1/me`).',
  body: CreateSubscriberDestinationBody,
  response: { 201: DestinationWithSecretSchema, 400: ErrorBodySchema, 409: ErrorBodySchema, ...refused },
};

export const listDestinationsSchema = {
  operationId: 'listDestinations',
  ...subscriberKeyAuth,
  tags,
  summary: "The subscriber's destinations",
  querystring: ListDestinationsQuery,
  response: { 200: z.object({ destinations: z.array(DestinationViewSchema) }), 400: ErrorBodySchema, ...refused },
};

export const getDestinationSchema = {
  operationId: 'getDestination',
  ...subscriberKeyAuth,
  tags,
  summary: 'Get a destination',
  params: DestinationIdParams,
  response: { 200: DestinationViewSchema, ...byId },
};

export const updateDestinationSchema = {
  operationId: 'updateDestination',
  ...subscriberKeyAuth,
  tags,
  summary: 'Change a destination; pending deliveries use the change from their next attempt',
  params: DestinationIdParams,
  body: UpdateSubscriberDestinationBody,
  response: { 200: DestinationViewSchema, ...byId },
};

export const deleteDestinationSchema = {
  operationId: 'deleteDestination',
  ...subscriberKeyAuth,
  tags,
  summary: 'Delete a destination; its deliveries stay on record and are never sent',
  params: DestinationIdParams,
  response: { 204: z.null().describe('Deleted'), ...byId },
};

export const testDestinationSchema = {
  operationId: 'testDestination',
  ...subscriberKeyAuth,
  tags,
  summary: 'Send a signed sample lead and report what the receiver answered',
  params: DestinationIdParams,
  response: { 200: DestinationTestResultSchema, ...byId },
};

export const rotateDestinationSecretSchema = {
  operationId: 'rotateDestinationSecret',
  ...subscriberKeyAuth,
  tags,
  summary: 'New signing secret, returned once; the old one keeps signing X-Lead-Router-Signature until switchAt',
  params: DestinationIdParams,
  body: RotateSecretBody,
  response: { 200: DestinationWithSecretSchema, ...byId },
};

export const enableDestinationSchema = {
  operationId: 'enableDestination',
  ...subscriberKeyAuth,
  tags,
  summary: 'Enable a destination disabled automatically (410, failing too long) and send its paused deliveries',
  description: "403 when an operator disabled it: only an operator can enable it then (`disabledReason` says why).",
  params: DestinationIdParams,
  response: { 200: EnabledDestinationSchema, ...byId },
};

export const requestLiveSchema = {
  operationId: 'requestLive',
  ...subscriberKeyAuth,
  tags,
  summary: 'Ask to go live (seed 003): an operator reviews it and connects it with a Partner ID',
  description: '`mode` becomes `pending_review`; asking again while pending changes what was asked. 409 when it is live already.',
  params: DestinationIdParams,
  body: RequestLiveBody,
  response: { 200: DestinationViewSchema, 409: ErrorBodySchema, ...byId },
};

export const replayDestinationSchema = {
  operationId: 'replayDestination',
  ...subscriberKeyAuth,
  tags,
  summary: 'Send again every failed or paused delivery made since a time, with their message ids',
  params: DestinationIdParams,
  body: ReplayDestinationBody,
  response: { 202: DestinationReplaySchema, 409: ErrorBodySchema, ...byId },
};

export const testDestinationFilterSchema = {
  operationId: 'testDestinationFilter',
  ...subscriberKeyAuth,
  tags,
  summary: "Whether the destination's filter takes a lead document, and which condition decided it",
  description: 'Evaluated by the same PostgreSQL function as the fan-out, so the answer is what the fan-out would do (events, sources and mode aside).',
  params: DestinationIdParams,
  body: FilterTestBodySchema,
  response: { 200: FilterTestAnswerSchema, ...byId },
};
