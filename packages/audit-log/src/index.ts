export { AuditLog } from './audit-log.ts';
export type { AuditActor, AuditEntryView, AuditRecord, ListAuditLogInput } from './audit-log.ts';
export { auditLogPlugin, isReadOnlyMethod } from './audit-log-plugin.ts';
export type { AuditLogPluginOptions } from './audit-log-plugin.ts';
