export { LeadFilterSchema, LeadFilterViewSchema, leadFilterLimits } from './lead-filter-schema.ts';
export type { LeadFilter, LeadFilterCondition, LeadFilterValue } from './lead-filter-schema.ts';
export { leadFilterFields, seedPropertyFields } from './lead-filter-fields.ts';
export { leadFilterAdmits } from './lead-filter-sql.ts';
export { LeadFilterTester } from './lead-filter-tester.ts';
export type { LeadFilterTesterOptions } from './lead-filter-tester.ts';
export { FilterTestAnswerSchema, FilterTestBodySchema } from './filter-test-schemas.ts';
export type { FilterTestAnswer, FilterTestBody } from './filter-test-schemas.ts';
