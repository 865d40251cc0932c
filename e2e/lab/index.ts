/**
 * The lab: real Debian machines (real sshd, apt, dpkg) on 127.0.0.N, for tests and for trying
 * Patchwell by hand. See README.md.
 */
export { up, status, down, stopHost, startHost, resetHost, pruneCache, desiredHosts, MAX_HOSTS } from './lab.js';
export { labAvailable } from './available.js';
export { addressOf, labCidr, labNet } from './paths.js';
export { hostProcessIds } from './metrics.js';
export { memoryOf } from './proc.js';
export { FIXTURE_PACKAGES, FIXTURE_REPO, latestVersion, type FixturePackage, type FixtureVersion, type Urgency } from './fixture-packages.js';
export { SCENARIOS, EXTRA_SCENARIOS, ALL_SCENARIOS, DEFAULT_SCENARIO, isScenario, LabError, type Scenario, type LabHost, type LabUpOptions } from './types.js';
export {
  RPM_FIXTURE_PACKAGES, RPM_FIXTURE_REPO, evrOf, latestRpmVersion, pendingRpmVersions, rpmFileName,
  type RpmAdvisory, type RpmFixturePackage, type RpmFixtureVersion, type RpmFlavour, type RpmSeverity,
} from './rpm-fixture-packages.js';
export { WINDOWS_SSH, WINDOWS_SSH_CLOCK } from './windows-ssh.js';
