/** What an import tells its caller, and the error that refuses a feed (kept apart so importers share them). */
import type { FeedKind as FileKind } from './feeds/feed-types';
import type { FeedKind } from './intel-store';

/** A feed refused with a reason the user can read; the feed in force is unchanged. */
export class FeedImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedImportError';
  }
}

export interface ImportOutcome {
  kind: FeedKind;
  format: FileKind;
  feedDate: string;
  recordCount: number;
  source: string;
}
