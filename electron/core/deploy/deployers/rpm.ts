/** The RHEL family (RHEL, Rocky, AlmaLinux, Oracle Linux, CentOS Stream, Fedora, Amazon Linux): dnf and rpm. */
import { rhel } from '../../platforms/rhel';
import { linuxDeployer } from './linux';
import { keepRpms, removeRpms, repairRpmFiles, restoreRpms, settleRpm } from './rpm-common';

export const rpmDeployer = linuxDeployer({
  id: 'rpm',
  platforms: ['rhel'],
  systems: 'the RHEL family',
  platform: rhel,
  name: 'dnf',
  slowDownload: 'dnf',
  // rpm has no half-configured state to finish; dnf check reports what a cut transaction left.
  repairCommand: 'dnf check, then dnf distro-sync on the machine',
  keepOldPackages: (remote, items) => keepRpms(remote, 'dnf', items),
  restoreVersions: (remote, items, log) => restoreRpms(remote, 'dnf', rhel, items, log),
  removePackages: (remote, keys) => removeRpms(remote, 'dnf', keys),
  settle: (remote) => settleRpm(remote, rhel),
  repairFiles: (remote, items, log) => repairRpmFiles(remote, 'dnf', items, log),
});
