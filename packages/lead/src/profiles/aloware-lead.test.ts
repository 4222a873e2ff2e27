import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alowareForceUpdate, mapAlowareLead } from './aloware-lead.ts';

// Seed 002's curl body, verbatim: its email and date_of_birth are placeholders, not values.
const seedCurlBody = `{
"api_token": "31B1B33D",
"phone_number": "8181234567",
"company_name": "Aloware",
"name": "John Doe",
"first_name": "John",
"last_name": "Doe",
"lead_source": "Google Ads",
"email": "[email protected]",
"date_of_birth": "MM/DD/YYYY",
"timezone": "America/Los_Angeles",
"city": "Los Angeles", "state": "CA",
"zipcode": "90045",
"country": "US",
"address": "1234 First Street",
"website": "https://www.aloware.com",
"notes": "This is a test note",
"csf1": "Custom data",
"csf2": "Custom data",
"force_update": true,
"force_update_sequence": false,
"distribute_to_ring_group": true,
"ring_group_id": "1234",
"check_available_users": true,
"add_to_powerdialer": true,
"powerdialer_position": "bottom",
"line_id": "1234",
"sequence_id": "4567",
"user_id": "1234",
"tag_id": "1234",
"disposition_status_id": "1234"
}`;

function seedBody(): Record<string, unknown> {
  return JSON.parse(seedCurlBody) as Record<string, unknown>;
}

/** The curl body with real values where the seed shows placeholders. */
function completedSeedBody(): Record<string, unknown> {
  return { ...seedBody(), email: 'John.Doe@Aloware.com', date_of_birth: '12/05/1975' };
}

const seedActionFields = {
  force_update: true,
  force_update_sequence: false,
  distribute_to_ring_group: true,
  ring_group_id: '1234',
  check_available_users: true,
  add_to_powerdialer: true,
  powerdialer_position: 'bottom',
  line_id: '1234',
  sequence_id: '4567',
  user_id: '1234',
  tag_id: '1234',
  disposition_status_id: '1234',
};

const minimal = { api_token: '31B1B33D', phone_number: '8181234567' };

describe('mapAlowareLead', () => {
  it("reports the curl body's placeholder email and date of birth", () => {
    expect(mapAlowareLead(seedBody())).toEqual({
      ok: false,
      errors: [
        { path: 'email', message: 'is not a valid email address' },
        { path: 'date_of_birth', message: 'must be a date as YYYY-MM-DD or MM/DD/YYYY' },
      ],
    });
  });

  it('maps the curl body once its placeholders hold values', () => {
    expect(mapAlowareLead(completedSeedBody())).toEqual({
      ok: true,
      lead: {
        phone: '+18181234567',
        firstName: 'John',
        lastName: 'Doe',
        source: 'Google Ads',
        email: 'john.doe@aloware.com',
        company: 'Aloware',
        dateOfBirth: '1975-12-05',
        timezone: 'America/Los_Angeles',
        city: 'Los Angeles',
        state: 'CA',
        zip: '90045',
        country: 'US',
        address: '1234 First Street',
        website: 'https://www.aloware.com',
        notes: 'This is a test note',
        custom: { csf1: 'Custom data', csf2: 'Custom data' },
        extra: seedActionFields,
      },
    });
  });

  it('keeps api_token out of the lead, extra included', () => {
    const result = mapAlowareLead(completedSeedBody());
    expect(JSON.stringify(result)).not.toContain('31B1B33D');
    expect(result.ok && result.lead.extra && 'api_token' in result.lead.extra).toBe(false);
  });

  it('keeps fields it does not map, such as campaign_id, as sent', () => {
    const result = mapAlowareLead({ ...minimal, campaign_id: 42, tags: ['a', 'b'] });
    expect(result.ok && result.lead.extra).toEqual({ campaign_id: 42, tags: ['a', 'b'] });
  });

  it('needs only the phone number', () => {
    expect(mapAlowareLead(minimal)).toEqual({ ok: true, lead: { phone: '+18181234567' } });
  });

  it.each(['+1 818-740-5020', '(818) 740-5020', '818.740.5020', '818-740-5020', '+18187405020'])(
    'reads the phone number %j',
    (phone_number) => {
      const result = mapAlowareLead({ ...minimal, phone_number });
      expect(result.ok && result.lead.phone).toBe('+18187405020');
    },
  );

  it("reads a national number in the partner's default country", () => {
    const result = mapAlowareLead({ ...minimal, phone_number: '030 12345678' }, { defaultCountry: 'DE' });
    expect(result.ok && result.lead.phone).toBe('+493012345678');
  });

  it('requires the phone number', () => {
    expect(mapAlowareLead({ api_token: 'x', email: 'a@example.com' })).toEqual({
      ok: false,
      errors: [{ path: 'phone_number', message: 'is required' }],
    });
    expect(mapAlowareLead({ phone_number: '  ' })).toEqual({
      ok: false,
      errors: [{ path: 'phone_number', message: 'is required' }],
    });
  });

  it.each(['123', 'call me', '+1 818 740 5020 123 456'])('rejects the phone number %j', (phone_number) => {
    expect(mapAlowareLead({ ...minimal, phone_number })).toEqual({
      ok: false,
      errors: [{ path: 'phone_number', message: 'is not a valid phone number' }],
    });
  });

  it('rejects a phone number sent as a JSON number', () => {
    expect(mapAlowareLead({ phone_number: 8181234567 })).toEqual({
      ok: false,
      errors: [{ path: 'phone_number', message: 'must be a string' }],
    });
  });

  it('splits name on the first space when first_name and last_name are both missing', () => {
    const result = mapAlowareLead({ ...minimal, name: '  Mary  Ann Smith ' });
    expect(result.ok && [result.lead.firstName, result.lead.lastName]).toEqual(['Mary', 'Ann Smith']);
    const single = mapAlowareLead({ ...minimal, name: 'Cher', first_name: '' });
    expect(single.ok && [single.lead.firstName, single.lead.lastName]).toEqual(['Cher', undefined]);
  });

  it('ignores name when first_name or last_name is sent', () => {
    const result = mapAlowareLead({ ...minimal, name: 'John Doe', last_name: 'Roe' });
    expect(result.ok && [result.lead.firstName, result.lead.lastName]).toEqual([undefined, 'Roe']);
  });

  it('takes source when lead_source is absent', () => {
    const result = mapAlowareLead({ ...minimal, source: 'Facebook' });
    expect(result.ok && result.lead.source).toBe('Facebook');
    const both = mapAlowareLead({ ...minimal, source: 'Facebook', lead_source: 'Google Ads' });
    expect(both.ok && both.lead.source).toBe('Google Ads');
  });

  it('reads the date of birth as MM-DD-YYYY too', () => {
    const result = mapAlowareLead({ ...minimal, date_of_birth: '12-05-1975' });
    expect(result.ok && result.lead.dateOfBirth).toBe('1975-12-05');
  });

  it('rejects a date of birth that is not a date', () => {
    expect(mapAlowareLead({ ...minimal, date_of_birth: '02/30/1990' })).toEqual({
      ok: false,
      errors: [{ path: 'date_of_birth', message: 'must be a date as YYYY-MM-DD or MM/DD/YYYY' }],
    });
  });

  it('treats empty optional fields as not sent', () => {
    const result = mapAlowareLead({ ...minimal, email: '', company_name: ' ', csf1: '', name: '' });
    expect(result).toEqual({ ok: true, lead: { phone: '+18181234567' } });
  });

  it('normalizes other_phone_numbers into extra', () => {
    const result = mapAlowareLead({
      ...minimal,
      other_phone_numbers: [{ label: ' mobile ', phone_number: '(818) 740-5020' }, { phone_number: '+44 20 7946 0958' }],
    });
    expect(result.ok && result.lead.extra).toEqual({
      other_phone_numbers: [
        { label: 'mobile', phone_number: '+18187405020' },
        { phone_number: '+442079460958' },
      ],
    });
  });

  it('names the entry of other_phone_numbers that is wrong', () => {
    const result = mapAlowareLead({
      ...minimal,
      other_phone_numbers: [{ phone_number: '8181234567' }, { label: 'work', phone_number: '12' }, { label: 'home' }, 'x'],
    });
    expect(result).toEqual({
      ok: false,
      errors: [
        { path: 'other_phone_numbers.1.phone_number', message: 'is not a valid phone number' },
        { path: 'other_phone_numbers.2.phone_number', message: 'is required' },
        { path: 'other_phone_numbers.3', message: 'must be an object with phone_number' },
      ],
    });
  });

  it('rejects other_phone_numbers that is not an array', () => {
    expect(mapAlowareLead({ ...minimal, other_phone_numbers: '8181234567' })).toEqual({
      ok: false,
      errors: [{ path: 'other_phone_numbers', message: 'must be an array of {label, phone_number}' }],
    });
  });

  it('reports every wrong type by its aloware name', () => {
    const result = mapAlowareLead({ ...minimal, zipcode: 90045, csf2: { a: 1 }, first_name: true });
    expect(result).toEqual({
      ok: false,
      errors: [
        { path: 'first_name', message: 'must be a string' },
        { path: 'csf2', message: 'must be a string' },
        { path: 'zipcode', message: 'must be a string' },
      ],
    });
  });

  it('reports canonical limits under the aloware name', () => {
    const result = mapAlowareLead({ ...minimal, zipcode: '9'.repeat(30), name: `${'x'.repeat(300)} y` });
    expect(!result.ok && result.errors.map((error) => error.path).sort()).toEqual(['name', 'zipcode']);
  });

  it('applies the fieldMap, including to other_phone_numbers paths', () => {
    const fieldMap = { phone: 'phone_number', phones: 'other_phone_numbers', token: 'api_token' };
    const ok = mapAlowareLead({ phone: '8181234567', token: 'secret', ring_group_id: '5' }, { fieldMap });
    expect(ok).toEqual({ ok: true, lead: { phone: '+18181234567', extra: { ring_group_id: '5' } } });
    const invalid = mapAlowareLead({ phone: '8181234567', phones: [{ phone_number: 'x' }] }, { fieldMap });
    expect(invalid).toEqual({
      ok: false,
      errors: [{ path: 'phones.0.phone_number', message: 'is not a valid phone number' }],
    });
  });

  it('does not let __proto__ into extra', () => {
    const item = JSON.parse('{"phone_number":"8181234567","__proto__":{"polluted":true},"line_id":"1"}') as unknown;
    const result = mapAlowareLead(item);
    expect(result.ok && result.lead.extra).toEqual({ line_id: '1' });
    expect(result.ok && Object.getPrototypeOf(result.lead.extra)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([null, 8181234567, 'phone_number=8181234567', [minimal]])('rejects %j, which is not one JSON object', (item) => {
    expect(mapAlowareLead(item)).toEqual({ ok: false, errors: [{ path: '', message: 'must be a JSON object' }] });
  });

  it('never throws, whatever the item', () => {
    const keys = fc.constantFrom(
      'phone_number', 'other_phone_numbers', 'name', 'first_name', 'last_name', 'email', 'date_of_birth',
      'csf1', 'zipcode', 'lead_source', 'api_token', '__proto__', 'force_update',
    );
    const phones = fc.array(fc.oneof(fc.jsonValue(), fc.record({ label: fc.jsonValue(), phone_number: fc.jsonValue() })));
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.dictionary(keys, fc.oneof(fc.jsonValue(), phones))), (item) => {
        expect(typeof mapAlowareLead(item).ok).toBe('boolean');
        expect(typeof alowareForceUpdate(item)).toBe('boolean');
      }),
    );
  });
});

describe('alowareForceUpdate', () => {
  it('is true for the curl body, which sends force_update: true', () => {
    expect(alowareForceUpdate(seedBody())).toBe(true);
  });

  it.each([
    [true, true],
    ['true', true],
    [' TRUE ', true],
    [false, false],
    ['false', false],
    ['1', false],
    [undefined, false],
  ])('reads force_update %j as %s', (force_update, expected) => {
    expect(alowareForceUpdate({ ...minimal, force_update })).toBe(expected);
  });

  it('is false for anything that is not an object', () => {
    expect(alowareForceUpdate(null)).toBe(false);
    expect(alowareForceUpdate([{ force_update: true }])).toBe(false);
  });

  it('reads a renamed flag through the fieldMap', () => {
    expect(alowareForceUpdate({ overwrite: 'true' }, { fieldMap: { overwrite: 'force_update' } })).toBe(true);
  });
});
