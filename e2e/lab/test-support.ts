/**
 * For test files that need lab machines: brings up the standard lab (one host of each scenario) once,
 * and fails with the reason in CI where the lab cannot run, instead of skipping silently.
 */
import { labAvailable, SCENARIOS, up, type LabHost, type Scenario } from './index.js';

export const LAB_TIMEOUT = 15 * 60_000;

const available = labAvailable();
const inCi = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

/** True when lab tests should run here: always in CI (where a missing lab is a failure), else when possible. */
export const labEnabled = available.ok || inCi;
if (!labEnabled && !available.ok) console.warn(`lab tests skipped here: ${available.reason}`);

/** The standard lab: one host of each scenario, the same spec for every test file so none rebuilds another's. */
export async function standardLab(): Promise<LabHost[]> {
  if (!available.ok) throw new Error(`the lab cannot run on this machine: ${available.reason}`);
  return up({ scenarios: [...SCENARIOS] });
}

export function hostOf(hosts: readonly LabHost[], scenario: Scenario): LabHost {
  const h = hosts.find((x) => x.scenario === scenario);
  if (!h) throw new Error(`no ${scenario} host in the lab`);
  return h;
}
