import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { FeedDownloadState, FeedView } from '../../../shared/contract';
import { AppError } from '../../../shared/contract';
import { feedDownloadService } from '../services/feed-download-service';
import { feedsService } from '../services/feeds-service';
import { initialFeedsState, useFeedsStore } from './feeds-store';

vi.mock('../services/feeds-service', () => ({
  feedsService: { list: vi.fn(), importFile: vi.fn(), importPath: vi.fn() },
  // A stand-in encoder (jsdom's File cannot be read): what it makes of the chosen file is what the core must get.
  fileToBase64: async (f: File) => `base64 of ${f.name}`,
}));
vi.mock('../services/feed-download-service', () => ({ feedDownloadService: { state: vi.fn(), setAllowed: vi.fn(), download: vi.fn() } }));

const kev = { kind: 'kev', recordCount: 1404 } as FeedView;
const epss = { kind: 'epss', recordCount: 250_000 } as FeedView;
const imported = { kind: 'epss' as const, recordCount: 250_000, feedDate: '2026-11-20T00:00:00Z' };
const off: FeedDownloadState = { allowed: false, sources: [], lastRun: null };

beforeEach(() => {
  vi.resetAllMocks();
  useFeedsStore.setState(initialFeedsState);
});

describe('feeds store', () => {
  it('imports a chosen file as base64 with its date, then reads the feeds in force again', async () => {
    vi.mocked(feedsService.list).mockResolvedValueOnce([kev]).mockResolvedValueOnce([kev, epss]);
    vi.mocked(feedsService.importFile).mockResolvedValueOnce(imported as never);
    await useFeedsStore.getState().load();
    expect(useFeedsStore.getState().feeds).toEqual([kev]);
    const file = new File(['cve,epss'], 'epss_scores-2026-11-20.csv', { lastModified: 1_700_000_000_000 });
    expect(await useFeedsStore.getState().importFile(file)).toEqual(imported);
    expect(feedsService.importFile).toHaveBeenCalledWith('epss_scores-2026-11-20.csv', 'base64 of epss_scores-2026-11-20.csv', 1_700_000_000_000);
    expect(useFeedsStore.getState().feeds).toEqual([kev, epss]);
  });

  it('lets a refused import reach the caller and leaves the feeds as they were', async () => {
    useFeedsStore.setState({ feeds: [kev] });
    vi.mocked(feedsService.importPath).mockRejectedValueOnce(new AppError('bad-request', 'the file is truncated'));
    await expect(useFeedsStore.getState().importPath('/media/usb/x.gz')).rejects.toThrow('the file is truncated');
    expect(feedsService.list).not.toHaveBeenCalled();
    expect(useFeedsStore.getState().feeds).toEqual([kev]);
  });

  it('keeps the feeds shown when a refresh fails', async () => {
    useFeedsStore.setState({ feeds: [kev] });
    vi.mocked(feedsService.list).mockRejectedValueOnce(new AppError('unavailable', 'gone'));
    await useFeedsStore.getState().load();
    expect(useFeedsStore.getState().feeds).toEqual([kev]);
  });

  it('keeps the download state the core answers with after each change; a download answers with its job', async () => {
    const on = { ...off, allowed: true };
    vi.mocked(feedDownloadService.state).mockResolvedValueOnce(off);
    vi.mocked(feedDownloadService.setAllowed).mockResolvedValueOnce(on);
    vi.mocked(feedDownloadService.download).mockResolvedValueOnce({ jobId: 42 });
    await useFeedsStore.getState().loadDownload();
    expect(useFeedsStore.getState().download).toEqual(off);
    expect(await useFeedsStore.getState().setDownloadAllowed(true)).toEqual(on);
    expect(feedDownloadService.setAllowed).toHaveBeenCalledWith(true);
    expect(await useFeedsStore.getState().downloadNow()).toBe(42);
    expect(useFeedsStore.getState().download).toEqual(on);
  });
});
