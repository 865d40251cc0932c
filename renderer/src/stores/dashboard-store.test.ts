import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { DashboardSummary } from '../../../shared/contract';
import { AppError } from '../../../shared/contract';
import { credentialsService } from '../services/credentials-service';
import { dashboardService } from '../services/dashboard-service';
import { deployService } from '../services/deploy-service';
import { initialDashboardState, useDashboardStore } from './dashboard-store';

vi.mock('../services/dashboard-service', () => ({ dashboardService: { summary: vi.fn() } }));
vi.mock('../services/credentials-service', () => ({ credentialsService: { list: vi.fn() } }));
vi.mock('../services/deploy-service', () => ({ deployService: { plan: vi.fn(), list: vi.fn() } }));

const summary = { machines: 2 } as DashboardSummary;
const down = new AppError('unavailable', 'Lost the connection to Patchwell');
const plan = (totalItems: number) => ({ totalItems }) as Awaited<ReturnType<typeof deployService.plan>>;

beforeEach(() => {
  vi.resetAllMocks();
  useDashboardStore.setState(initialDashboardState);
});

describe('dashboard store', () => {
  it('loads the summary, and says why when it cannot', async () => {
    vi.mocked(dashboardService.summary).mockResolvedValueOnce(summary).mockRejectedValueOnce(down);
    await useDashboardStore.getState().load();
    expect(useDashboardStore.getState()).toMatchObject({ summary, loaded: true, error: null });
    await useDashboardStore.getState().load();
    expect(useDashboardStore.getState()).toMatchObject({ summary, loaded: true, error: 'Lost the connection to Patchwell' });
  });

  it('ticks the getting-started steps from credentials, approvals (a plan to deploy now) and past deployments', async () => {
    vi.mocked(credentialsService.list).mockResolvedValueOnce([{ id: 1 }, { id: 2 }] as never);
    vi.mocked(deployService.plan).mockResolvedValueOnce(plan(3));
    vi.mocked(deployService.list).mockResolvedValueOnce([]);
    await useDashboardStore.getState().loadSteps();
    expect(deployService.plan).toHaveBeenCalledWith({ deployNow: true });
    expect(deployService.list).toHaveBeenCalledWith(1);
    expect(useDashboardStore.getState().steps).toEqual({ credentials: 2, approved: true, deployed: false });
  });

  it('hides the card when the credentials cannot be read, and keeps the other steps when theirs fail', async () => {
    useDashboardStore.setState({ steps: { credentials: 1, approved: true, deployed: true } });
    vi.mocked(credentialsService.list).mockRejectedValueOnce(down);
    vi.mocked(deployService.plan).mockRejectedValueOnce(down);
    vi.mocked(deployService.list).mockRejectedValueOnce(down);
    await useDashboardStore.getState().loadSteps();
    expect(useDashboardStore.getState().steps).toEqual({ credentials: null, approved: true, deployed: true });
  });
});
