/** The app's settings (assessment, retention, risk by group) as the Settings page edits them. */
import type { AppSettings } from '../../../shared/contract';
import { invoke } from './client';

export const settingsService = {
  get: () => invoke('settings/get'),
  update: (patch: Partial<AppSettings>) => invoke('settings/update', patch),
};
