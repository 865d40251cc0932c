/** The desktop app's background settings (what closing the window does, start at login). */
import type { BackgroundSettings } from '../../../shared/contract';
import { invoke } from './client';

export const backgroundService = {
  status: () => invoke('background/status'),
  set: (patch: Partial<BackgroundSettings>) => invoke('background/set', patch),
};
