/** Debian and Ubuntu: apt and dpkg, the old .debs kept in apt's cache for an offline rollback. */
import { createDebianPlatform } from '../../platforms/debian';
import { aptRemove } from '../../snapshots/package-state';
import { settlePackageManager } from '../remote-checks';
import { repairDebianFiles } from './debian-repair';
import { readDebianAfter, readDebianBefore } from './debian-state';
import { linuxDeployer } from './linux';

// Changelogs are an assessment's business; a deployment only reads and changes versions.
const platform = createDebianPlatform({ changelogs: false });

export const debianDeployer = linuxDeployer({
  id: 'debian',
  platforms: ['debian'],
  systems: 'Debian and Ubuntu',
  platform,
  name: 'apt-get',
  slowDownload: 'apt-get download',
  repairCommand: 'dpkg --configure -a',
  async keepOldPackages(remote, items) {
    const r = await platform.ensureRollbackDebs(remote, items);
    return { kept: r.present.length + r.downloaded.length, slow: r.viaAptGet.length, unavailable: r.unavailable };
  },
  restoreVersions: (remote, items) => platform.downgradeExact(remote, items),
  removePackages: aptRemove,
  settle: (remote) => settlePackageManager(remote),
  repairFiles: repairDebianFiles,
  readBefore: readDebianBefore,
  readAfter: readDebianAfter,
});
