/**
 * The ordered list of schema migrations. A migration's position is its version: append, never reorder or
 * edit a shipped one (shipped changes are additive).
 */
import type { Db } from '../open';
import { sql as foundation } from './0001-foundation';
import { sql as vaultAndAssessment } from './0002-vault-and-assessment';
import { sql as discovery } from './0003-discovery';
import { sql as intel } from './0004-intel-and-approvals';
import { sql as deploy } from './0005-deploy';
import { sql as intelFeedsAndPolicies } from './0006-intel-feeds-and-policies';
import { sql as policyRules } from './0007-policy-rules';
import { sql as fleetTrend } from './0008-fleet-trend';
import { sql as vendorIntel } from './0009-vendor-intel-and-exposure';
import { sql as osvVendorSeverity } from './0010-osv-vendor-severity';
import { sql as machineLeases } from './0011-machine-leases';
import { sql as machineChangelogs } from './0012-machine-changelogs';
import { sql as firstContact } from './0013-first-contact';
import { sql as schedules } from './0014-schedules';
import { sql as notices } from './0015-notices';
import { sql as appSecrets } from './0016-app-secrets';
import { sql as fleetMemory } from './0017-fleet-memory';
import { run as feedRefreshJobs } from './0018-feed-refresh-jobs';
import { sql as openUpdateKindsIndex } from './0019-open-update-kinds-index';
import { sql as rollbackDebs } from './0020-rollback-debs';

export interface Migration {
  /** user_version after this migration. */
  version: number;
  name: string;
  sql: string;
  /** For a change plain SQL cannot make (run inside the same transaction, after `sql`). */
  run?: (db: Db) => void;
}

export const migrations: readonly Migration[] = [
  { version: 1, name: '0001-foundation', sql: foundation },
  { version: 2, name: '0002-vault-and-assessment', sql: vaultAndAssessment },
  { version: 3, name: '0003-discovery', sql: discovery },
  { version: 4, name: '0004-intel-and-approvals', sql: intel },
  { version: 5, name: '0005-deploy', sql: deploy },
  { version: 6, name: '0006-intel-feeds-and-policies', sql: intelFeedsAndPolicies },
  { version: 7, name: '0007-policy-rules', sql: policyRules },
  { version: 8, name: '0008-fleet-trend', sql: fleetTrend },
  { version: 9, name: '0009-vendor-intel-and-exposure', sql: vendorIntel },
  { version: 10, name: '0010-osv-vendor-severity', sql: osvVendorSeverity },
  { version: 11, name: '0011-machine-leases', sql: machineLeases },
  { version: 12, name: '0012-machine-changelogs', sql: machineChangelogs },
  { version: 13, name: '0013-first-contact', sql: firstContact },
  { version: 14, name: '0014-schedules', sql: schedules },
  { version: 15, name: '0015-notices', sql: notices },
  { version: 16, name: '0016-app-secrets', sql: appSecrets },
  { version: 17, name: '0017-fleet-memory', sql: fleetMemory },
  { version: 18, name: '0018-feed-refresh-jobs', sql: '', run: feedRefreshJobs },
  { version: 19, name: '0019-open-update-kinds-index', sql: openUpdateKindsIndex },
  { version: 20, name: '0020-rollback-debs', sql: rollbackDebs },
];

/** The schema version this build of the app understands. */
export const latestVersion = migrations.length;

// Checked at import so a mis-numbered list fails every test rather than a user's start-up.
migrations.forEach((m, i) => {
  if (m.version !== i + 1) throw new Error(`Migration ${m.name} is numbered ${m.version}, expected ${i + 1}`);
});
