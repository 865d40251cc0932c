/** Downloading the feeds from their publishers, when the user allows it. */
import { invoke } from './client';

export const feedDownloadService = {
  state: () => invoke('feeds/download-state'),
  setAllowed: (allowed: boolean) => invoke('feeds/set-download', { allowed }),
  download: () => invoke('feeds/download'),
};
