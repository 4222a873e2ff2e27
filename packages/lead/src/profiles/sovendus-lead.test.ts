import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapSovendusLead } from './sovendus-lead.ts';

const consentText =
  'Ich willige hiermit ein, dass mich WERBEPARTNER über Neuigkeiten und Angebote (zu [z.B. Damenmode]) per E-Mail informieren darf. Meine Einwilligung kann ich jederzeit bei WERBEPARTNER widerrufen';

// Seed 001's POST example, verbatim.
const seedPostBody =
  '{"salutation":"Herr","gender":"MALE","firstname":"Mustermann","lastname":"Müller","email":"mustermann.mueller@mail.de","sov_id":"21544842251","compliance_ip":"127.0.0.1","compliance_text":"Ich willige hiermit ein, dass mich WERBEPARTNER über Neuigkeiten und Angebote (zu [z.B. Damenmode]) per E-Mail informieren darf. Meine Einwilligung kann ich jederzeit bei WERBEPARTNER widerrufen","compliance_timestamp":"2023-09-01T11:58:27+02:00"}';

// The seed's consent text and timestamp, base64-encoded as the GET webhook sends them.
const consentTextBase64 =
  'SWNoIHdpbGxpZ2UgaGllcm1pdCBlaW4sIGRhc3MgbWljaCBXRVJCRVBBUlRORVIgw7xiZXIgTmV1aWdrZWl0ZW4gdW5kIEFuZ2Vib3RlICh6dSBbei5CLiBEYW1lbm1vZGVdKSBwZXIgRS1NYWlsIGluZm9ybWllcmVuIGRhcmYuIE1laW5lIEVpbndpbGxpZ3VuZyBrYW5uIGljaCBqZWRlcnplaXQgYmVpIFdFUkJFUEFSVE5FUiB3aWRlcnJ1ZmVu';
const timestampBase64 = 'MjAyMy0wOS0wMVQxMTo1ODoyNyswMjowMA==';

function seedGetQuery(): Record<string, string> {
  const search = new URLSearchParams({
    salutation: 'Herr',
    gender: 'MALE',
    firstname: 'Mustermann',
    lastname: 'Müller',
    email: 'mustermann.mueller@mail.de',
    newsletter_history_id: '21544842251',
    compliance_ip: '127.0.0.1',
    compliance_text: consentTextBase64,
    compliance_timestamp: timestampBase64,
  }).toString();
  // What the webhook's query parser hands over for the URL Sovendus calls.
  return Object.fromEntries(new URLSearchParams(search));
}

const seedLead = {
  salutation: 'Herr',
  gender: 'male',
  firstName: 'Mustermann',
  lastName: 'Müller',
  email: 'mustermann.mueller@mail.de',
  externalId: '21544842251',
  consent: {
    text: consentText,
    ip: '127.0.0.1',
    timestampRaw: '2023-09-01T11:58:27+02:00',
    givenAt: '2023-09-01T09:58:27.000Z',
  },
};

describe('mapSovendusLead, POST JSON', () => {
  it("maps seed 001's POST example, umlauts included", () => {
    expect(mapSovendusLead(JSON.parse(seedPostBody), { encoding: 'plain' })).toEqual({ ok: true, lead: seedLead });
  });

  it('requires sov_id, by which Sovendus identifies the record', () => {
    const { sov_id: _sovId, ...body } = JSON.parse(seedPostBody) as Record<string, unknown>;
    expect(mapSovendusLead(body, { encoding: 'plain' })).toEqual({
      ok: false,
      errors: [{ path: 'sov_id', message: 'is required' }],
    });
  });

  it('takes a numeric sov_id as its digits', () => {
    const body = { ...(JSON.parse(seedPostBody) as object), sov_id: 21544842251 };
    const result = mapSovendusLead(body, { encoding: 'plain' });
    expect(result.ok && result.lead.externalId).toBe('21544842251');
  });

  it('rejects base64 consent fields when told they are base64 and the body is plain', () => {
    expect(mapSovendusLead(JSON.parse(seedPostBody), { encoding: 'base64' })).toEqual({
      ok: false,
      errors: [
        { path: 'compliance_text', message: 'is not base64-encoded UTF-8 text' },
        { path: 'compliance_timestamp', message: 'is not base64-encoded UTF-8 text' },
      ],
    });
  });
});

describe('mapSovendusLead, GET query', () => {
  it("decodes the seed's consent text and timestamp from base64, umlauts included", () => {
    expect(mapSovendusLead(seedGetQuery(), { encoding: 'base64' })).toEqual({ ok: true, lead: seedLead });
  });

  it('reads padded base64url too', () => {
    // "Ja? Ja!" is SmE/IEphIQ== in base64.
    const query = { ...seedGetQuery(), compliance_text: 'SmE_IEphIQ==' };
    const result = mapSovendusLead(query, { encoding: 'base64' });
    expect(result.ok && result.lead.consent?.text).toBe('Ja? Ja!');
  });

  it('rejects base64 with white space around it', () => {
    const query = { ...seedGetQuery(), compliance_text: ` ${consentTextBase64}\n` };
    expect(mapSovendusLead(query, { encoding: 'base64' })).toEqual({
      ok: false,
      errors: [{ path: 'compliance_text', message: 'is not base64-encoded UTF-8 text' }],
    });
  });

  it('requires newsletter_history_id', () => {
    const query: Record<string, string> = { ...seedGetQuery(), newsletter_history_id: '' };
    expect(mapSovendusLead(query, { encoding: 'base64' })).toEqual({
      ok: false,
      errors: [{ path: 'newsletter_history_id', message: 'is required' }],
    });
  });

  it('rejects two different record ids', () => {
    const query = { ...seedGetQuery(), sov_id: '1' };
    expect(mapSovendusLead(query, { encoding: 'base64' })).toEqual({
      ok: false,
      errors: [{ path: 'sov_id', message: 'differs from newsletter_history_id' }],
    });
  });

  it.each([
    ['a character outside the alphabet', `${consentTextBase64.slice(0, 20)}*${consentTextBase64.slice(21)}`],
    ['a truncated value', consentTextBase64.slice(0, -1)],
    ['plain text', consentText],
    ['Latin-1 bytes instead of UTF-8', Buffer.from('Einwilligung für', 'latin1').toString('base64')],
  ])('rejects a compliance_text with %s instead of storing garbled consent', (_case, compliance_text) => {
    expect(mapSovendusLead({ ...seedGetQuery(), compliance_text }, { encoding: 'base64' })).toEqual({
      ok: false,
      errors: [{ path: 'compliance_text', message: 'is not base64-encoded UTF-8 text' }],
    });
  });

  it("rejects base64 whose + an unescaped URL turned into a space", () => {
    // "??>" encodes as Pz8+; in a query string a raw + reads as a space.
    const query = Object.fromEntries(new URLSearchParams(`email=a%40example.com&newsletter_history_id=1&compliance_text=Pz8+`));
    expect(mapSovendusLead(query, { encoding: 'base64' })).toEqual({
      ok: false,
      errors: [{ path: 'compliance_text', message: 'is not base64-encoded UTF-8 text' }],
    });
  });

  it('rejects a timestamp that decodes to something other than a timestamp', () => {
    const query = { ...seedGetQuery(), compliance_timestamp: Buffer.from('gestern').toString('base64') };
    expect(mapSovendusLead(query, { encoding: 'base64' })).toEqual({
      ok: false,
      errors: [{ path: 'compliance_timestamp', message: 'must be an ISO 8601 timestamp' }],
    });
  });
});

describe('mapSovendusLead, fields', () => {
  const plain = { encoding: 'plain' } as const;
  const minimal = { email: 'kunde@example.de', sov_id: '7' };

  it('needs only the email and the record id', () => {
    expect(mapSovendusLead(minimal, plain)).toEqual({
      ok: true,
      lead: { email: 'kunde@example.de', externalId: '7' },
    });
  });

  it('requires the email', () => {
    expect(mapSovendusLead({ ...minimal, email: ' ' }, plain)).toEqual({
      ok: false,
      errors: [{ path: 'email', message: 'is required' }],
    });
  });

  it.each([
    ['female', 'female'],
    ['Male', 'male'],
  ])('reads gender %j in any case', (gender, expected) => {
    const result = mapSovendusLead({ ...minimal, gender }, plain);
    expect(result.ok && result.lead.gender).toBe(expected);
  });

  it.each(['M', 'DIVERSE', 'constructor'])('rejects gender %j', (gender) => {
    expect(mapSovendusLead({ ...minimal, gender }, plain)).toEqual({
      ok: false,
      errors: [{ path: 'gender', message: 'must be MALE or FEMALE' }],
    });
  });

  it('derives the gender from the salutation when none is sent, keeping the salutation as sent', () => {
    const result = mapSovendusLead({ ...minimal, salutation: ' Frau ' }, plain);
    expect(result.ok && [result.lead.salutation, result.lead.gender]).toEqual(['Frau', 'female']);
  });

  it('prefers the sent gender over the salutation', () => {
    const result = mapSovendusLead({ ...minimal, salutation: 'Herr', gender: 'FEMALE' }, plain);
    expect(result.ok && [result.lead.salutation, result.lead.gender]).toEqual(['Herr', 'female']);
  });

  it('keeps an unknown salutation without guessing a gender', () => {
    const result = mapSovendusLead({ ...minimal, salutation: 'Dr.' }, plain);
    expect(result.ok && [result.lead.salutation, result.lead.gender]).toEqual(['Dr.', undefined]);
  });

  it('accepts an IPv6 consent address and rejects one that is not an address', () => {
    const v6 = mapSovendusLead({ ...minimal, compliance_ip: '2001:db8::1' }, plain);
    expect(v6.ok && v6.lead.consent).toEqual({ ip: '2001:db8::1' });
    expect(mapSovendusLead({ ...minimal, compliance_ip: '999.1.1.1' }, plain)).toEqual({
      ok: false,
      errors: [{ path: 'compliance_ip', message: 'must be an IPv4 or IPv6 address' }],
    });
  });

  it('drops fields outside the seed, such as an authentication token in the body', () => {
    const result = mapSovendusLead({ ...minimal, api_key: 'secret' }, plain);
    expect(result).toEqual({ ok: true, lead: { email: 'kunde@example.de', externalId: '7' } });
  });

  it('reads renamed fields through the fieldMap and names errors as the partner sent them', () => {
    const fieldMap = { first_name: 'firstname', ip: 'compliance_ip' };
    const ok = mapSovendusLead({ ...minimal, first_name: 'Erika' }, { ...plain, fieldMap });
    expect(ok.ok && ok.lead.firstName).toBe('Erika');
    const invalid = mapSovendusLead({ ...minimal, first_name: 3, ip: 'localhost' }, { ...plain, fieldMap });
    expect(invalid).toEqual({
      ok: false,
      errors: [
        { path: 'first_name', message: 'must be a string' },
        { path: 'ip', message: 'must be an IPv4 or IPv6 address' },
      ],
    });
  });

  it('reports repeated query parameters (arrays) as wrong types', () => {
    expect(mapSovendusLead({ ...minimal, email: ['a@example.com', 'b@example.com'] }, plain)).toEqual({
      ok: false,
      errors: [{ path: 'email', message: 'must be a string' }],
    });
  });

  it('never throws, whatever the item', () => {
    const keys = fc.constantFrom(
      'salutation', 'gender', 'firstname', 'lastname', 'email', 'newsletter_history_id', 'sov_id',
      'compliance_ip', 'compliance_text', 'compliance_timestamp', '__proto__',
    );
    const encoding = fc.constantFrom('base64' as const, 'plain' as const);
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.dictionary(keys, fc.oneof(fc.jsonValue(), fc.base64String()))), encoding, (item, enc) => {
        expect(typeof mapSovendusLead(item, { encoding: enc }).ok).toBe('boolean');
      }),
    );
  });
});
