import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditVerifyResult, Job, ReportInfo } from '../../../shared/contract';
import { AppError } from '../../../shared/contract';
import { appService } from '../services/app-service';
import { reportsService, saveFile } from '../services/reports-service';
import { initialReportsState, useReportsStore } from './reports-store';

vi.mock('../services/reports-service', () => ({
  reportsService: { list: vi.fn(), generate: vi.fn(), file: vi.fn(), prepare: vi.fn() },
  saveFile: vi.fn(),
}));
vi.mock('../services/app-service', () => ({ appService: { auditVerify: vi.fn(), auditList: vi.fn() } }));

const report = { id: 'r1' } as ReportInfo;
const job = (state: Job['state'], kind: Job['kind'] = 'report'): Job => ({
  id: 1, kind, title: 'Report', state, current: 0, total: 1, summary: null, error: null, createdAt: 1, startedAt: 1, finishedAt: null,
});

beforeEach(() => {
  vi.resetAllMocks();
  useReportsStore.setState(initialReportsState);
});

describe('reports store', () => {
  it('loads the reports, and keeps them with the error when a refresh fails', async () => {
    vi.mocked(reportsService.list).mockResolvedValueOnce([report]).mockRejectedValueOnce(new AppError('unavailable', 'core gone'));
    await useReportsStore.getState().load();
    expect(useReportsStore.getState()).toMatchObject({ reports: [report], error: null });
    await useReportsStore.getState().load();
    expect(useReportsStore.getState()).toMatchObject({ reports: [report], error: 'core gone' });
  });

  it('is writing a report from the start until its job ends, or until the start is refused', async () => {
    vi.mocked(reportsService.generate).mockResolvedValueOnce({ jobId: 1 } as never).mockRejectedValueOnce(new AppError('bad-request', 'bad period'));
    await useReportsStore.getState().generate(1, 2);
    expect(reportsService.generate).toHaveBeenCalledWith(1, 2);
    expect(useReportsStore.getState().generating).toBe(true);
    useReportsStore.getState().jobUpdated(job('running'));
    useReportsStore.getState().jobUpdated(job('succeeded', 'assess'));
    expect(useReportsStore.getState().generating).toBe(true);
    useReportsStore.getState().jobUpdated(job('partial'));
    expect(useReportsStore.getState().generating).toBe(false);
    await expect(useReportsStore.getState().generate(2, 1)).rejects.toThrow('bad period');
    expect(useReportsStore.getState().generating).toBe(false);
  });

  it("asks the core to get its printer's browser ready, and keeps quiet when it cannot (the report starts its own)", async () => {
    vi.mocked(reportsService.prepare).mockResolvedValueOnce({ warm: true }).mockRejectedValueOnce(new AppError('unavailable', 'core gone'));
    await useReportsStore.getState().prepare();
    await expect(useReportsStore.getState().prepare()).resolves.toBeUndefined();
    expect(reportsService.prepare).toHaveBeenCalledTimes(2);
    expect(useReportsStore.getState().error).toBeNull();
  });

  it('hands a report file to the user under a name that says which report it is', async () => {
    vi.mocked(reportsService.file).mockResolvedValueOnce({ name: 'report.pdf', mime: 'application/pdf', base64: 'JVBERg==' });
    await useReportsStore.getState().download('r1', 'report.pdf');
    expect(reportsService.file).toHaveBeenCalledWith('r1', 'report.pdf');
    expect(saveFile).toHaveBeenCalledWith('patchwell-r1-report.pdf', 'application/pdf', 'JVBERg==');
  });

  it('verifies the audit trail and keeps the last 100 entries with the verdict', async () => {
    const verify = { ok: true, rows: 3, head: 'abc' } as AuditVerifyResult;
    vi.mocked(appService.auditVerify).mockResolvedValueOnce(verify);
    vi.mocked(appService.auditList).mockResolvedValueOnce([]);
    await useReportsStore.getState().verifyAudit();
    expect(appService.auditList).toHaveBeenCalledWith(100);
    expect(useReportsStore.getState().audit).toEqual({ verify, entries: [] });
  });
});
