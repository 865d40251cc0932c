/** Debian and Ubuntu: apt and dpkg, the old .debs kept in apt's cache for an offline rollback. */
import { rollbackDebSources } from '../../assess/rollback-debs';
import { createDebianPlatform } from '../../platforms/debian';
import { aptRemove } from '../../snapshots/package-state';
import { settlePackageManager } from '../remote-checks';
import { repairDebianFiles } from './debian-repair';
import { readDebianAfter, readDebianBefore } from './debian-state';
import { linuxDeployer, type PackageManagerSpec } from './linux';

// Changelogs are an assessment's business; a deployment only reads and changes versions.
const platform = createDebianPlatform({ changelogs: false });

/** What the Linux pipeline needs of apt and dpkg (exported for tests of one hook at a time). */
export const debianPackageManager: PackageManagerSpec = {
  id: 'debian',
  platforms: ['debian'],
  systems: 'Debian and Ubuntu',
  platform,
  name: 'apt-get',
  slowDownload: 'apt-get download',
  repairCommand: 'dpkg --configure -a',
  async keepOldPackages(remote, items, m) {
    // Where the assessment found the old versions' files: the machine then fetches them without reading its lists.
    const r = await platform.ensureRollbackDebs(remote, items, rollbackDebSources(m.s.db, m.host.id));
    return { kept: r.present.length + r.downloaded.length, slow: r.viaAptGet.length, unavailable: r.unavailable };
  },
  restoreVersions: (remote, items) => platform.downgradeExact(remote, items),
  removePackages: aptRemove,
  settle: (remote) => settlePackageManager(remote),
  repairFiles: repairDebianFiles,
  readBefore: readDebianBefore,
  readAfter: readDebianAfter,
};

export const debianDeployer = linuxDeployer(debianPackageManager);
