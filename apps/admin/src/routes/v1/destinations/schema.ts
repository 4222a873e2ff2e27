import { z } from 'zod';
import {
  ApproveLiveBody,
  CreateDestinationBody,
  DestinationIdParams,
  DestinationReplaySchema,
  DestinationTestResultSchema,
  DestinationViewSchema,
  DestinationWithSecretSchema,
  DisableDestinationBody,
  EnabledDestinationSchema,
  ListDestinationsQuery,
  RejectLiveBody,
  ReplayDestinationBody,
  RotateSecretBody,
  UpdateDestinationBody,
} from '@leadrelay/destinations';
import { ErrorBodySchema } from '@leadrelay/http-kit';
import { FilterTestAnswerSchema, FilterTestBodySchema } from '@leadrelay/lead-filter';
import { adminTokenAuth, viewerRefusal } from '../../../plugins/openapi.ts';

const tags = ['destinations'];
const refused = { 401: ErrorBodySchema, 429: ErrorBodySchema };
const byId = { 400: ErrorBodySchema, 404: ErrorBodySchema, ...refused };

export const createDestinationSchema = {
  operationId: 'createDestination',
  ...adminTokenAuth,
  tags,
  summary: 'Register a destination',
  body: CreateDestinationBody,
  response: { ...viewerRefusal, 201: DestinationWithSecretSchema, 400: ErrorBodySchema, ...refused },
};

export const listDestinationsSchema = {
  operationId: 'listDestinations',
  ...adminTokenAuth,
  tags,
  summary: 'List destinations',
  querystring: ListDestinationsQuery,
  response: { 200: z.object({ destinations: z.array(DestinationViewSchema) }), 400: ErrorBodySchema, ...refused },
};

export const getDestinationSchema = {
  operationId: 'getDestination',
  ...adminTokenAuth,
  tags,
  summary: 'Get a destination',
  params: DestinationIdParams,
  response: { 200: DestinationViewSchema, ...byId },
};

export const updateDestinationSchema = {
  operationId: 'updateDestination',
  ...adminTokenAuth,
  tags,
  summary: 'Change a destination; pending deliveries use the change from their next attempt',
  params: DestinationIdParams,
  body: UpdateDestinationBody,
  response: { ...viewerRefusal, 200: DestinationViewSchema, ...byId },
};

export const deleteDestinationSchema = {
  operationId: 'deleteDestination',
  ...adminTokenAuth,
  tags,
  summary: 'Delete a destination; its deliveries stay on record and are never sent',
  params: DestinationIdParams,
  response: { ...viewerRefusal, 204: z.null().describe('Deleted'), ...byId },
};

export const rotateDestinationSecretSchema = {
  operationId: 'rotateDestinationSecret',
  ...adminTokenAuth,
  tags,
  summary: 'New signing secret, returned once; the old one keeps signing X-Lead-Router-Signature until switchAt',
  params: DestinationIdParams,
  body: RotateSecretBody,
  response: { ...viewerRefusal, 200: DestinationWithSecretSchema, ...byId },
};

export const testDestinationSchema = {
  operationId: 'testDestination',
  ...adminTokenAuth,
  tags,
  summary: 'Send a signed sample lead and report the answer',
  params: DestinationIdParams,
  response: { ...viewerRefusal, 200: DestinationTestResultSchema, ...byId },
};

export const enableDestinationSchema = {
  operationId: 'enableDestination',
  ...adminTokenAuth,
  tags,
  summary: 'Enable a destination and send its paused deliveries',
  params: DestinationIdParams,
  response: { ...viewerRefusal, 200: EnabledDestinationSchema, ...byId },
};

export const disableDestinationSchema = {
  operationId: 'disableDestination',
  ...adminTokenAuth,
  tags,
  summary: 'Disable a destination; its new deliveries are kept paused',
  params: DestinationIdParams,
  body: DisableDestinationBody,
  response: { ...viewerRefusal, 200: DestinationViewSchema, ...byId },
};

export const replayDestinationSchema = {
  operationId: 'replayDestination',
  ...adminTokenAuth,
  tags,
  summary: 'Send again every failed or paused delivery made since a time, with their message ids',
  params: DestinationIdParams,
  body: ReplayDestinationBody,
  response: {
    ...viewerRefusal,
    202: DestinationReplaySchema,
    409: ErrorBodySchema,
    ...byId,
  },
};

export const approveDestinationSchema = {
  operationId: 'approveDestination',
  ...adminTokenAuth,
  tags,
  summary: 'Connect a destination that asked to go live: it receives real leads with this Partner ID',
  params: DestinationIdParams,
  body: ApproveLiveBody,
  response: { ...viewerRefusal, 200: DestinationViewSchema, 409: ErrorBodySchema, ...byId },
};

export const rejectDestinationSchema = {
  operationId: 'rejectDestination',
  ...adminTokenAuth,
  tags,
  summary: 'Return a destination that asked to go live to test, with the reason',
  params: DestinationIdParams,
  body: RejectLiveBody,
  response: { ...viewerRefusal, 200: DestinationViewSchema, 409: ErrorBodySchema, ...byId },
};

export const testDestinationFilterSchema = {
  operationId: 'testDestinationFilter',
  ...adminTokenAuth,
  tags,
  summary: "Whether the destination's filter takes a lead document, and which condition decided it",
  description: 'Evaluated by the same PostgreSQL function as the fan-out, so the answer is what the fan-out would do (events, sources and mode aside).',
  params: DestinationIdParams,
  body: FilterTestBodySchema,
  response: { ...viewerRefusal, 200: FilterTestAnswerSchema, ...byId },
};
