/** Each machine's risk, and tag profiles (criticality and exposure for a group of machines). */
import type { TagProfile } from '../../../shared/contract';
import { invoke } from './client';

export const machineRiskService = {
  list: () => invoke('machines/risk'),
  tagProfiles: () => invoke('tags/profiles'),
  setTagProfile: (p: TagProfile) => invoke('tags/set-profile', p),
};
