/** SUSE (SLES, openSUSE Leap): zypper and rpm; a snapper snapshot where the root is btrfs, as SUSE installs it. */
import { suse } from '../../platforms/suse';
import { linuxDeployer } from './linux';
import { keepRpms, removeRpms, restoreRpms, settleRpm } from './rpm-common';

export const suseDeployer = linuxDeployer({
  id: 'suse',
  platforms: ['suse'],
  systems: 'SUSE and openSUSE',
  platform: suse,
  name: 'zypper',
  slowDownload: 'zypper',
  repairCommand: 'zypper verify, then zypper install -f of the named packages on the machine',
  keepOldPackages: (remote, items) => keepRpms(remote, 'zypper', items),
  restoreVersions: (remote, items, log) => restoreRpms(remote, 'zypper', suse, items, log),
  removePackages: (remote, keys) => removeRpms(remote, 'zypper', keys),
  settle: (remote) => settleRpm(remote, suse),
});
