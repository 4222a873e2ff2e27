import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function captureLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({ name: 'test', level: 'trace', pretty: false, destination });
  return { logger, output: () => lines.join('') };
}

// Each value is unique so a leak anywhere in the output is found by a plain substring search.
const personal = {
  email: 'jane.leak@example.com',
  phone: '+18085550199',
  firstName: 'Janeleak',
  lastName: 'Doeleak',
  consentText: 'I agree to be contacted by LeakCorp',
  aloFirst: 'Aloleakfirst',
  aloLast: 'Aloleaklast',
  aloPhone: '8085550142',
  complianceText: 'TCPA leak text',
  sovFirst: 'Sovleakfirst',
  sovMail: 'sov.leak@example.de',
  street: 'Leakstrasse 12',
  ip: '203.0.113.77',
  apiKey: 'lr_leakedapikey0123456789',
  bearer: 'Bearer leaked-admin-token-0123456789',
  secret: 'leaked-webhook-secret-0123',
  cookie: 'session=leaked-cookie',
};

describe('createLogger redaction', () => {
  it('never writes the personal data of a lead, whatever its shape and depth', () => {
    const { logger, output } = captureLogger();
    const canonical = {
      email: personal.email,
      phone: personal.phone,
      firstName: personal.firstName,
      lastName: personal.lastName,
      consent: { text: personal.consentText, ip: personal.ip },
    };
    const aloware = { first_name: personal.aloFirst, last_name: personal.aloLast, phone_number: personal.aloPhone, compliance_text: personal.complianceText };
    const sovendus = { firstname: personal.sovFirst, lastname: personal.sovFirst, email: personal.sovMail, street: personal.street };

    logger.info(canonical, 'a lead at the top level');
    logger.info({ lead: canonical }, 'a lead under lead');
    logger.info({ raw: aloware, body: sovendus }, 'what a partner sent');
    logger.warn({ job: { id: 'submission-1', data: { requestId: 'req-1', lead: canonical, raw: aloware } } }, 'a whole job');
    logger.info({ partner: { slug: 'acme', payload: { contact: { ...sovendus, address: { street: personal.street } } } } }, 'deeply nested');
    logger.info({ items: [aloware, { nested: [canonical] }] }, 'in arrays');
    logger.info({ consent: { text: personal.consentText } }, 'consent alone');
    logger.info({ ...aloware }, 'aloware at the top level');

    const written = output();
    for (const [field, value] of Object.entries(personal)) {
      expect(written, `${field} leaked`).not.toContain(value);
    }
    // What is not personal stays readable: ids are how operators follow a lead.
    expect(written).toContain('"requestId":"req-1"');
    expect(written).toContain('"slug":"acme"');
    expect(written).toContain('[redacted]');
    expect(written.trim().split('\n')).toHaveLength(8);
  });

  it('never writes credentials of a request: Authorization, X-API-Key, cookies, secrets', () => {
    const { logger, output } = captureLogger();
    const headers = {
      authorization: personal.bearer,
      'x-api-key': personal.apiKey,
      cookie: personal.cookie,
      'content-type': 'application/json',
    };
    logger.info({ req: { method: 'POST', url: '/v1/leads', headers } }, 'incoming request');
    logger.info({ headers }, 'headers at the top level');
    logger.info({ request: { headers } }, 'headers of a nested request');
    logger.info({ partner: { apiKey: personal.apiKey, secret: personal.secret } }, 'credentials');
    logger.info({ destination: { url: 'https://crm.example/hook', signing: { secret: personal.secret } } }, 'a destination');
    logger.child({ authorization: personal.bearer }).info('a child logger with a credential in its bindings');

    const written = output();
    for (const value of [personal.bearer, 'leaked-admin-token', personal.apiKey, personal.cookie, personal.secret]) {
      expect(written).not.toContain(value);
    }
    expect(written).toContain('"url":"/v1/leads"');
    expect(written).toContain('https://crm.example/hook');
  });

  it('keeps errors serialized as errors', () => {
    const { logger, output } = captureLogger();
    logger.error({ err: new Error('the database is down') }, 'persist failed');
    const line = JSON.parse(output()) as { err: { message: string; stack: string } };
    expect(line.err.message).toBe('the database is down');
    expect(line.err.stack).toContain('Error: the database is down');
  });
});
