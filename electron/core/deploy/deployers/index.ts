/**
 * The deployer registry: which deployer changes a machine, chosen by the platform its assessment found. A
 * platform without a deployer is assessed but not deployed to (the plan says why).
 */
import { alpineDeployer } from './alpine';
import { debianDeployer } from './debian';
import { macosDeployer } from './macos';
import { rpmDeployer } from './rpm';
import { suseDeployer } from './suse';
import type { AnyDeployer } from './types';
import { windowsDeployer } from './windows';

const deployers: readonly AnyDeployer[] = [debianDeployer, rpmDeployer, suseDeployer, alpineDeployer, windowsDeployer, macosDeployer];

/** The deployer for a machine's platform; null when none exists. */
export function deployerFor(platform: string | null): AnyDeployer | null {
  if (!platform) return null;
  return deployers.find((d) => d.platforms.includes(platform)) ?? null;
}

/** What the deployers serve, in the user's words, for the plan's refusal text. */
export function deployableNames(): string[] {
  return deployers.map((d) => d.name);
}

export { deployWith, needsRepair, repairWith, rollbackWith } from './pipeline';
export type { MachineContext, MachineOutcome } from './types';
