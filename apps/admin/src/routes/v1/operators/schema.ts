import { z } from 'zod';
import { ErrorBodySchema } from '@leadrelay/http-kit';
import { adminTokenAuth } from '../../../plugins/openapi.ts';

const OperatorRole = z
  .enum(['owner', 'admin', 'viewer'])
  .describe('owner: everything, including managing operators; admin: everything else; viewer: read only (GET)');

export const CreateOperatorBody = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .describe('Unique for good: a revoked operator keeps its name, so audit entries name one operator'),
  role: OperatorRole,
});

export const OperatorView = z.object({
  id: z.uuid(),
  name: z.string(),
  role: OperatorRole,
  tokenPrefix: z.string().describe('The first characters of the token, to tell tokens apart'),
  revoked: z.boolean(),
  revokedAt: z.string().nullable(),
  rotatedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const OperatorWithToken = OperatorView.extend({
  token: z.string().describe('Shown only now; stored as a hash. Send it as `Authorization: Bearer <token>`.'),
});

export const OperatorIdParams = z.object({ id: z.uuid() });

const tags = ['operators'];
const refused = { 401: ErrorBodySchema, 403: ErrorBodySchema, 429: ErrorBodySchema };

export const createOperatorSchema = {
  operationId: 'createOperator',
  ...adminTokenAuth,
  tags,
  summary: 'Create a named operator token (owners only)',
  body: CreateOperatorBody,
  response: { 201: OperatorWithToken, 400: ErrorBodySchema, 409: ErrorBodySchema, ...refused },
};

export const listOperatorsSchema = {
  operationId: 'listOperators',
  ...adminTokenAuth,
  tags,
  summary: 'List operators, revoked ones included (owners only)',
  response: { 200: z.object({ operators: z.array(OperatorView) }), ...refused },
};

export const rotateOperatorSchema = {
  operationId: 'rotateOperator',
  ...adminTokenAuth,
  tags,
  summary: "Replace an operator's token (owners only)",
  description: 'Answers the new token once; the old one is refused from the next request on. A revoked operator cannot be rotated (409).',
  params: OperatorIdParams,
  response: { 200: OperatorWithToken, 400: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, ...refused },
};

export const revokeOperatorSchema = {
  operationId: 'revokeOperator',
  ...adminTokenAuth,
  tags,
  summary: "Revoke an operator's token (owners only)",
  description: 'The token is refused (401) from the next request on; the operator stays listed, and in the audit log.',
  params: OperatorIdParams,
  response: { 200: OperatorView, 400: ErrorBodySchema, 404: ErrorBodySchema, ...refused },
};
