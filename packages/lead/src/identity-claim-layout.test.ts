import { describe, expect, it } from 'vitest';
import { identityKeys } from './identity.ts';
import { IdentityClaimLayout } from './identity-claim-layout.ts';

const leadId = '01900000-0000-7000-8000-0000000000aa';
const partnerId = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

describe('IdentityClaimLayout', () => {
  it('puts an identity in a bucket named by its digest and bucket count, under the prefix', () => {
    const [email] = identityKeys({ email: 'jane@example.com' });
    const slot = new IdentityClaimLayout('leadrelay', 16).slotOf(email!);
    expect(slot.key).toMatch(/^leadrelay:identity:16:\{[0-9a-f]{4}\}$/);
    expect(slot.field).toHaveLength(16);
    // The field is the digest's first 16 bytes, the bucket its first bits: the same for every bucket count.
    const wider = new IdentityClaimLayout('leadrelay', 24).slotOf(email!);
    expect(wider.field.equals(slot.field)).toBe(true);
    expect(wider.key).toMatch(/^leadrelay:identity:24:\{[0-9a-f]{6}\}$/);
    expect(wider.key.slice(-7, -3)).toBe(slot.key.slice(-5, -1));
  });

  it("gives an email and a phone different fields", () => {
    const layout = new IdentityClaimLayout('leadrelay');
    const [email, phone] = identityKeys({ email: 'jane@example.com', phone: '+14155550100' }).map((key) => layout.slotOf(key));
    expect(email!.field.equals(phone!.field)).toBe(false);
  });

  it('stores a lead and its creator in 32 bytes, a lead alone in 16, and reads them back', () => {
    const layout = new IdentityClaimLayout('leadrelay');
    const full = layout.encodeOwner(leadId, partnerId);
    expect(full).toHaveLength(32);
    expect(layout.decodeOwner(full)).toEqual({ leadId, creatorPartnerId: partnerId });
    const alone = layout.encodeOwner(leadId, null);
    expect(alone).toHaveLength(16);
    expect(layout.decodeOwner(alone)).toEqual({ leadId, creatorPartnerId: null });
  });

  it('refuses ids that are not UUIDs and bucket counts out of range', () => {
    const layout = new IdentityClaimLayout('leadrelay');
    expect(() => layout.encodeOwner('lead-1', null)).toThrow(/UUID/);
    expect(() => layout.encodeOwner(leadId.replace(/a$/, 'g'), null)).toThrow(/UUID/);
    expect(() => layout.encodeOwner(leadId, partnerId.replace('-', 'f'))).toThrow(/UUID/);
    expect(layout.decodeOwner(layout.encodeOwner(partnerId.toUpperCase(), null)).leadId).toBe(partnerId);
    expect(() => layout.decodeOwner(Buffer.alloc(20))).toThrow(/20 bytes/);
    expect(() => new IdentityClaimLayout('leadrelay', 30)).toThrow(RangeError);
  });
});
