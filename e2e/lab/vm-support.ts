/**
 * For tests on the lab VM (reboot, LVM): whether they run here, and a core that knows the VM as an assessed
 * machine, with a shell on it for checks. In CI a VM that cannot run fails with its reason (vmUp throws it),
 * never a silent skip.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { labEnabled } from './test-support';
import { vmAvailable, vmUp, type LabVm, type VmVariant } from './vm';
import { createCore, type Core } from '../../electron/core/core';
import { connectSsh } from '../../electron/core/transports/ssh';

const available = vmAvailable();
if (labEnabled && !available.ok && !process.env.CI) console.warn(`lab VM tests skipped here: ${available.reason}`);
export const vmTestsEnabled = labEnabled && (available.ok || !!process.env.CI);

export interface VmUnderTest {
  vm: LabVm;
  core: Core;
  hostId: number;
  /** Runs a shell command on the VM as admin (host key pinned); throws on a non-zero exit. */
  sh(command: string): Promise<string>;
}

export async function startVmUnderTest(variant: VmVariant): Promise<VmUnderTest> {
  const vm = await vmUp({ variant });
  const privateKey = fs.readFileSync(vm.keyPath, 'utf8');
  const core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), `pw-vm-${variant}-`)), runtime: 'browser', checkResults: true });
  await core.call('credentials/create', { name: 'Lab admin', username: 'admin', privateKey, appliesToAll: true });
  // The VM reaches no network: assess from the package lists its image carries.
  await core.call('settings/update', { refreshPackageLists: false });
  const hostId = (await core.call('machines/create', { address: vm.address, tags: ['lab-vm'] })).id;
  await core.call('assess/start', { allowFirstContact: true, ids: [hostId] });
  await core.services.jobs.idle();
  const sh = async (command: string): Promise<string> => {
    const session = await connectSsh({ address: vm.address, port: 22, pinnedKey: vm.hostKeyFingerprint }, { username: 'admin', privateKey });
    try {
      const r = await session.exec(['sh', '-c', command], { env: { LC_ALL: 'C' } });
      if (r.code !== 0) throw new Error(`${command}: exit ${r.code}: ${r.stderr}`);
      return r.stdout;
    } finally {
      await session.close();
    }
  };
  return { vm, core, hostId, sh };
}
