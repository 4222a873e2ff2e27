/**
 * Keys whose values are personal data or credentials wherever they sit in a logged object, in
 * every spelling the partner profiles use. pino's `redact` paths only reach fixed depths; this
 * catches the same fields nested deeper (a job's `data.lead.email`, a partner body's `contact.phone`).
 */
export const personalDataKeys: ReadonlySet<string> = new Set(
  [
    // contact
    'email', 'e_mail', 'emailAddress', 'email_address', 'mail',
    'phone', 'phone_number', 'phoneNumber', 'mobile', 'mobile_phone', 'telephone', 'tel',
    // names
    'firstName', 'lastName', 'first_name', 'last_name', 'firstname', 'lastname',
    'fullName', 'full_name', 'fullname', 'middleName', 'middle_name',
    // other personal data
    'dateOfBirth', 'date_of_birth', 'birthdate', 'birthday', 'address', 'street', 'ip', 'ip_address',
    // consent
    'consent', 'consent_text', 'compliance_text', 'tcpa_text',
    // whole leads and what partners sent
    'lead', 'leads', 'raw',
    // credentials
    'authorization', 'cookie', 'set-cookie', 'x-api-key', 'apiKey', 'api_key', 'apiToken', 'api_token',
    'token', 'accessToken', 'access_token', 'secret', 'password', 'adminToken',
  ].map((key) => key.toLowerCase()),
);

const maxDepth = 10;

/**
 * A copy of `value` with the values of personal-data keys replaced by `censor`, at any depth.
 * Only plain objects and arrays are walked (errors, dates, buffers and requests go to pino's
 * serializers untouched); objects without such keys are returned as they are, uncopied.
 */
export function scrubPersonalData<Value>(value: Value, censor = '[redacted]', depth = 0): Value {
  if (depth > maxDepth || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, index) => {
      const scrubbed = scrubPersonalData(item, censor, depth + 1);
      if (scrubbed !== item) (copy ??= [...value])[index] = scrubbed;
    });
    return (copy ?? value) as Value;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const scrubbed = personalDataKeys.has(key.toLowerCase()) && item !== undefined && item !== null
      ? censor
      : scrubPersonalData(item, censor, depth + 1);
    if (scrubbed !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = scrubbed;
  }
  return (copy ?? value) as Value;
}
