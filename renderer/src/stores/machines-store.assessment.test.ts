/** The open machine's assessment and the actions the Machines page runs on machines, faked at their services. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AssessmentView, PendingUpdateView } from '../../../shared/contract';
import { AppError } from '../../../shared/contract';
import { assessService } from '../services/assess-service';
import { credentialsService } from '../services/credentials-service';
import { machinesService } from '../services/machines-service';
import { initialMachinesState, useMachinesStore } from './machines-store';

vi.mock('../services/assess-service', () => ({ assessService: { updates: vi.fn(), history: vi.fn(), start: vi.fn(), firstContacts: vi.fn() } }));
vi.mock('../services/credentials-service', () => ({ credentialsService: { acceptHostKey: vi.fn(), setHostCredential: vi.fn() } }));
vi.mock('../services/machines-service', () => ({ machinesService: { check: vi.fn() } }));

const update = (id: number): PendingUpdateView => ({ id, package: `pkg${id}` }) as PendingUpdateView;
const run = { newCount: 1 } as AssessmentView;

/** A promise the test settles when it chooses, to put answers in a given order. */
function later<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

beforeEach(() => {
  vi.resetAllMocks();
  useMachinesStore.setState(initialMachinesState);
});

describe('hosts store: the open machine', () => {
  it("reads a machine's pending updates and its last five assessments", async () => {
    vi.mocked(assessService.updates).mockResolvedValueOnce([update(1)]);
    vi.mocked(assessService.history).mockResolvedValueOnce([run]);
    await useMachinesStore.getState().loadAssessment(3);
    expect(assessService.updates).toHaveBeenCalledWith(3);
    expect(assessService.history).toHaveBeenCalledWith(3);
    expect(useMachinesStore.getState().assessment).toEqual({ hostId: 3, updates: [update(1)], history: [run], error: null });
  });

  it('shows the machine asked for last, even when an earlier answer comes after it', async () => {
    const slow = later<PendingUpdateView[]>();
    vi.mocked(assessService.updates).mockReturnValueOnce(slow.promise).mockResolvedValueOnce([update(2)]);
    vi.mocked(assessService.history).mockResolvedValue([]);
    const first = useMachinesStore.getState().loadAssessment(1);
    await useMachinesStore.getState().loadAssessment(2);
    slow.resolve([update(1)]);
    await first;
    expect(useMachinesStore.getState().assessment).toMatchObject({ hostId: 2, updates: [update(2)] });
  });

  it('keeps the failure for the machine it belongs to', async () => {
    vi.mocked(assessService.updates).mockRejectedValueOnce(new AppError('not-found', 'no such machine'));
    vi.mocked(assessService.history).mockResolvedValueOnce([]);
    await useMachinesStore.getState().loadAssessment(4);
    expect(useMachinesStore.getState().assessment).toEqual({ hostId: 4, updates: null, history: [], error: 'AppError: no such machine' });
  });

  it('starts assessments and checks of the selection or of all, and lets a refusal reach the caller', async () => {
    vi.mocked(assessService.start).mockResolvedValueOnce({ jobId: 1 } as never);
    vi.mocked(assessService.firstContacts).mockResolvedValueOnce([]);
    vi.mocked(machinesService.check).mockRejectedValueOnce(new AppError('conflict', 'a check is running'));
    await useMachinesStore.getState().assess([1, 2]);
    expect(assessService.start).toHaveBeenCalledWith([1, 2]);
    await expect(useMachinesStore.getState().check(undefined)).rejects.toThrow('a check is running');
    expect(machinesService.check).toHaveBeenCalledWith(undefined);
  });

  it('asks before a first contact: nothing starts until the user allows it, and a refusal starts nothing', async () => {
    const machines = [{ id: 7, label: 'nas', address: '127.0.0.7', credential: 'office admin' }];
    vi.mocked(assessService.start).mockClear();
    vi.mocked(assessService.firstContacts).mockResolvedValue(machines);
    await useMachinesStore.getState().assess(undefined);
    expect(assessService.start).not.toHaveBeenCalled();
    expect(useMachinesStore.getState().firstContact).toEqual({ ids: undefined, machines });
    await useMachinesStore.getState().answerFirstContact(false);
    expect(useMachinesStore.getState().firstContact).toBeNull();
    expect(assessService.start).not.toHaveBeenCalled();
    await useMachinesStore.getState().assess([7]);
    await useMachinesStore.getState().answerFirstContact(true);
    expect(assessService.start).toHaveBeenCalledWith([7], true);
    expect(useMachinesStore.getState().firstContact).toBeNull();
  });

  it("accepts a machine's new host key and sets its credential through the credentials calls", async () => {
    await useMachinesStore.getState().acceptHostKey(5);
    await useMachinesStore.getState().setCredential([5], null);
    expect(credentialsService.acceptHostKey).toHaveBeenCalledWith(5);
    expect(credentialsService.setHostCredential).toHaveBeenCalledWith([5], null);
  });
});
