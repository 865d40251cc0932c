/** The app's own calls: version and runtime, and the audit trail's check and listing. */
import { invoke } from './client';

export const appService = {
  info: () => invoke('app/info'),
  auditVerify: () => invoke('audit/verify'),
  auditList: (limit = 100) => invoke('audit/list', { limit }),
};
