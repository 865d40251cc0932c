// `npm test` runs this first (npm's pretest): on a fresh clone it installs what the tests need — the npm
// packages, and as root on Debian the Debian packages and PowerShell — or stops at once with the one command
// that does. Where everything is there already (CI after .ci/run), it only looks.
import { spawnSync } from 'node:child_process';
import { ensureNpmPackages, findPwsh, missingDebianPackages, PWSH_INSTALL, PWSH_VERSION, testDebianPackages } from './install-lib.mjs';

const problems = [];
const isRoot = process.getuid?.() === 0;
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

try {
  await ensureNpmPackages();
} catch (e) {
  problems.push(e instanceof Error ? e.message : String(e));
}

if (process.platform === 'linux' && has('dpkg-query')) {
  const missing = missingDebianPackages(testDebianPackages());
  if (missing.length && isRoot && has('apt-get')) {
    console.log(`patchwell: installing the Debian packages the tests need: ${missing.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const ok = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env }).status === 0
      && spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env }).status === 0;
    if (!ok) problems.push(`apt-get could not install ${missing.join(' ')}`);
  } else if (missing.length) {
    problems.push(`Debian packages the tests need are missing; install them with: sudo apt-get install ${missing.join(' ')}`);
  }
}

if (!findPwsh()) {
  if (has('dotnet')) {
    console.log(`patchwell: installing PowerShell ${PWSH_VERSION} for the Windows script tests (${PWSH_INSTALL})`);
    if (spawnSync('dotnet', ['tool', 'install', '--global', 'PowerShell', '--version', PWSH_VERSION], { stdio: 'inherit' }).status !== 0) {
      problems.push(`PowerShell ${PWSH_VERSION} could not be installed: ${PWSH_INSTALL}`);
    }
  } else {
    problems.push(`PowerShell ${PWSH_VERSION} is needed for the Windows script tests: install the .NET SDK, then ${PWSH_INSTALL}`);
  }
}

if (problems.length) {
  console.error(`patchwell: the tests cannot run yet:\n${problems.map((p) => `- ${p}`).join('\n')}`);
  process.exit(1);
}
