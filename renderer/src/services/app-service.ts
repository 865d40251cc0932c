/** The app's own calls: version and runtime, and the audit trail's check and listing. */
import { invoke } from './client';

export const appService = {
  info: () => invoke('app/info'),
  storageStatus: () => invoke('storage/status'),
  storageCheck: () => invoke('storage/check'),
  auditVerify: () => invoke('audit/verify'),
  auditList: (limit = 100) => invoke('audit/list', { limit }),
};
