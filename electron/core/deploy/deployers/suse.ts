/** SUSE (SLES, openSUSE Leap): zypper and rpm; a snapper snapshot where the root is btrfs, as SUSE installs it. */
import { suse } from '../../platforms/suse';
import { linuxDeployer } from './linux';
import { keepRpms, removeRpms, repairRpmFiles, restoreRpms, settleRpm } from './rpm-common';

/** zypper's patch names: openSUSE-SU-2024:1402-1, SUSE-SLE-Module-Basesystem-15-SP5-2024-1402, openSUSE-2024-123… */
export const isSusePatchName = (name: string): boolean => /^(open)?SUSE-/.test(name) && /[:-]\d/.test(name);

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
  repairFiles: (remote, items, log) => repairRpmFiles(remote, 'zypper', items, log),
  // zypper lists patches (openSUSE-SU-…, SUSE-SU-…) beside the package updates they bring. A deployment installs and
  // rolls back exact package versions, so a patch is approved through its packages.
  refuse(items) {
    const patches = items.filter((i) => isSusePatchName(i.package));
    return patches.length ? `${patches.map((p) => p.package).join(', ')} ${patches.length === 1 ? 'is a SUSE patch' : 'are SUSE patches'}: approve the package updates it brings instead (they are listed on the Patches page), so each version can be verified and rolled back` : null;
  },
});
