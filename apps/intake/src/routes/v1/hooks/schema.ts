import { z } from 'zod';
import { ErrorBodySchema, noSecurity } from '@leadrelay/http-kit';

const AnyAnswer = z.unknown();

const hookSchema = {
  // The contracts carry their credentials in the query (hotwire's apiKey and sig) or the body
  // (aloware's api_token), which no security scheme describes.
  security: noSecurity,
  summary: "A partner's own contract (hotwire, sovendus or aloware), chosen by its profile",
  description:
    'hotwire (seed 000): POST ?apiKey=&sig= with an array of users, answered 200 with responseCodes per user. ' +
    'sovendus (seed 001): GET with query parameters (compliance_text and compliance_timestamp base64) or POST JSON; ' +
    '201 created, 200 duplicate. aloware (seed 002): POST JSON with api_token; 201/202/200 with a message. ' +
    'A suppressed person (erased, or on the do-not-contact list) is stored nowhere and answered so that the partner does not retry: ' +
    'hotwire USER_NOT_CREATED with a reason, sovendus 200 {"status":"suppressed"}, aloware 400 with errors.contact.',
  tags: ['partner hooks'],
  params: z.object({ partnerSlug: z.string().max(63) }),
  querystring: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  response: {
    200: AnyAnswer.describe('hotwire: results per user; sovendus: duplicate, or suppressed; aloware: contact updated'),
    201: AnyAnswer.describe('sovendus and aloware: created'),
    202: AnyAnswer.describe('aloware: duplicate'),
    400: AnyAnswer.describe('Invalid lead or malformed request, in the contract’s shape; aloware: also a suppressed person'),
    401: AnyAnswer.describe('Missing or wrong credentials'),
    403: ErrorBodySchema,
    404: ErrorBodySchema,
    405: ErrorBodySchema,
    413: AnyAnswer,
    415: AnyAnswer,
    429: AnyAnswer.describe('Over the partner’s rate limit; Retry-After says when to retry'),
    503: AnyAnswer.describe('Not accepted; retry later'),
  },
};

/** One operation per method, since an operationId names exactly one. */
export const hookSchemas = {
  GET: { ...hookSchema, operationId: 'submitPartnerHookByQuery' },
  POST: { ...hookSchema, operationId: 'submitPartnerHook' },
};
