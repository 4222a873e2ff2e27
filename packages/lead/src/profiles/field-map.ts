/**
 * Renames a partner's fields to the profile's standard names (`{ first_name: 'firstname' }`), so
 * one profile serves partners whose URLs or bodies spell fields their own way (seed 001: "firstname
 * could be first_name or any other name").
 *
 * Returns a new object without a prototype: a partner key such as `__proto__` or `constructor`
 * stays an ordinary field instead of reaching `Object.prototype`. When a partner sends both a
 * mapped name and the standard name, the mapped one wins, because the operator configured it.
 */
export function applyFieldMap(
  item: Readonly<Record<string, unknown>>,
  fieldMap: Readonly<Record<string, string>> = {},
): Record<string, unknown> {
  const fields: Record<string, unknown> = Object.create(null);
  const renamed: [string, unknown][] = [];
  for (const [key, value] of Object.entries(item)) {
    const target = mappedName(fieldMap, key);
    if (target === undefined) fields[key] = value;
    else renamed.push([target, value]);
  }
  for (const [target, value] of renamed) fields[target] = value;
  return fields;
}

/**
 * The name the partner uses for a standard field, so errors speak the partner's language: the
 * mapped name it actually sent, else the standard name it sent, else the mapped name it should
 * have sent.
 */
export function fieldNameAsSent(
  field: string,
  sent: Readonly<Record<string, unknown>>,
  fieldMap: Readonly<Record<string, string>> = {},
): string {
  const partnerNames = Object.keys(fieldMap).filter((key) => key !== field && mappedName(fieldMap, key) === field);
  const sentPartnerName = partnerNames.find((key) => Object.hasOwn(sent, key));
  if (sentPartnerName !== undefined) return sentPartnerName;
  if (Object.hasOwn(sent, field)) return field;
  return partnerNames[0] ?? field;
}

/** An error path (`other_phone_numbers.0.phone_number`) with its first segment as the partner names it. */
export function pathAsSent(
  path: string,
  sent: Readonly<Record<string, unknown>>,
  fieldMap: Readonly<Record<string, string>> = {},
): string {
  const [field = '', ...rest] = path.split('.');
  if (field === '') return path;
  return [fieldNameAsSent(field, sent, fieldMap), ...rest].join('.');
}

// Own string entries only: the map comes from stored JSON, and `fieldMap.toString` must not count.
function mappedName(fieldMap: Readonly<Record<string, string>>, key: string): string | undefined {
  if (!Object.hasOwn(fieldMap, key)) return undefined;
  const target: unknown = fieldMap[key];
  return typeof target === 'string' && target !== '' ? target : undefined;
}
