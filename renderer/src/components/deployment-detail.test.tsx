import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeploymentDetail as Detail } from '../../../shared/contract';
import { DeploymentDetail } from './deployment-detail';

const NOTE = 'Missed its window Tue 3 Mar, 02:00 – 03:00 (UTC) while Patchwell was not running; waits for the next one, Wed 4 Mar, 02:00 – 03:00 (UTC)';

const detail = (note: string | null, state: 'waiting' | 'succeeded'): Detail => ({
  id: 4, title: 'openssl on nas', state: 'running', jobId: 9, createdBy: 'user', createdAt: 1, startedAt: 1, finishedAt: null, haltedReason: null, rollbackOf: null,
  counts: { pending: 0, waiting: 1, running: 0, succeeded: 0, failed: 0, 'rolled-back': 0, 'rollback-failed': 0, skipped: 0, cancelled: 0, interrupted: 0 },
  hostCount: 1, itemCount: 1, plan: null,
  targets: [{
    hostId: 3, label: 'nas', ring: 0, state, step: null, failure: null, snapshot: null, startedAt: null, finishedAt: null, items: [],
    waitingFor: { start: Date.UTC(2026, 2, 4, 2), end: Date.UTC(2026, 2, 4, 3) }, note,
  }],
});

afterEach(cleanup);

describe('a machine waiting in a deployment', () => {
  it('says why it waits: a window missed while Patchwell was stopped, and the next one', () => {
    render(<DeploymentDetail detail={detail(NOTE, 'waiting')} log={[]} />);
    const row = screen.getByText('nas').closest('tr')!;
    expect(within(row).getByText('waiting for its window')).toBeTruthy();
    expect(within(row).getByText(NOTE)).toBeTruthy();
  });

  it('drops the note once the machine is done', () => {
    render(<DeploymentDetail detail={detail(NOTE, 'succeeded')} log={[]} />);
    expect(screen.queryByText(NOTE)).toBeNull();
  });
});
