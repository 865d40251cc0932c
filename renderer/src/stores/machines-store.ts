/** The machines the user sees: a cache of the inventory, refetched when the core says it changed. */
import { create } from 'zustand';
import { hostLabel } from '../../../shared/host-label';
import type { AssessmentView, FirstContact, Host, HostInput, PendingUpdateView } from '../../../shared/contract';
import { assessService } from '../services/assess-service';
import { credentialsService } from '../services/credentials-service';
import { machinesService } from '../services/machines-service';
import { saveText } from '../services/reports-service';
import { errorText } from './error-text';

/** What the last assessment found on the machine whose details are open. */
export interface HostAssessment {
  hostId: number;
  updates: PendingUpdateView[] | null;
  history: AssessmentView[];
  error: string | null;
}

export interface MachinesState {
  hosts: Host[];
  loaded: boolean;
  loadError: string | null;
  selectedIds: number[];
  detailId: number | null;
  assessment: HostAssessment | null;
  /** An assessment waiting for the user's yes to contact these machines for the first time. */
  firstContact: { ids: number[] | undefined; machines: FirstContact[] } | null;
}

export interface MachinesActions {
  load(): Promise<void>;
  create(input: HostInput): Promise<Host>;
  update(id: number, patch: Partial<HostInput>): Promise<Host>;
  remove(ids: number[]): Promise<void>;
  setSelected(ids: number[]): void;
  toggleSelected(id: number): void;
  openDetail(id: number | null): void;
  /** Reads one machine's pending updates and assessment history (the open details). */
  loadAssessment(id: number): Promise<void>;
  /**
   * Starts an assessment job of these machines, or of all; the job tray follows it. When a credential would reach
   * a machine for the first time and asks first, nothing starts: `firstContact` holds the question.
   */
  assess(ids?: number[]): Promise<void>;
  /** The user's answer to `firstContact`: allow (and start the assessment) or not. */
  answerFirstContact(allow: boolean): Promise<void>;
  /** Starts a reachability check of these machines, or of all. */
  check(ids?: number[]): Promise<void>;
  acceptHostKey(id: number): Promise<void>;
  /** "Check again": contacts these machines afresh (answering? package manager healthy?); their rows follow. */
  recheck(ids: number[]): Promise<void>;
  /** Starts `dpkg --configure -a` on a Debian machine whose dpkg was interrupted; it is checked again afterwards. */
  repair(id: number): Promise<void>;
  setCredential(ids: number[], credentialId: number | null): Promise<void>;
  /** Hands the table's CSV (built from the rows shown) to the browser as a download. */
  saveCsv(csv: string): void;
}

export const initialMachinesState: MachinesState = { hosts: [], loaded: false, loadError: null, selectedIds: [], detailId: null, assessment: null, firstContact: null };

let assessmentTicket = 0;

export const useMachinesStore = create<MachinesState & MachinesActions>()((set, get) => ({
  ...initialMachinesState,
  async load() {
    try {
      const hosts = await machinesService.list();
      const ids = new Set(hosts.map((h) => h.id));
      set({
        hosts,
        loaded: true,
        loadError: null,
        selectedIds: get().selectedIds.filter((id) => ids.has(id)),
        detailId: get().detailId !== null && ids.has(get().detailId!) ? get().detailId : null,
      });
    } catch (err) {
      set({ loaded: true, loadError: errorText(err) });
    }
  },
  async create(input) {
    const host = await machinesService.create(input);
    await get().load();
    return host;
  },
  async update(id, patch) {
    const host = await machinesService.update(id, patch);
    await get().load();
    return host;
  },
  async remove(ids) {
    await machinesService.remove(ids);
    await get().load();
  },
  setSelected: (ids) => set({ selectedIds: ids }),
  toggleSelected: (id) =>
    set((s) => ({ selectedIds: s.selectedIds.includes(id) ? s.selectedIds.filter((x) => x !== id) : [...s.selectedIds, id] })),
  openDetail: (id) => set({ detailId: id }),
  async loadAssessment(id) {
    // Only the last machine asked for is shown: an earlier, slower answer must not replace it.
    const ticket = ++assessmentTicket;
    let next: HostAssessment;
    try {
      const [updates, history] = await Promise.all([assessService.updates(id), assessService.history(id)]);
      next = { hostId: id, updates, history, error: null };
    } catch (e) {
      next = { hostId: id, updates: null, history: [], error: String(e) };
    }
    if (ticket === assessmentTicket) set({ assessment: next });
  },
  async assess(ids) {
    const machines = await assessService.firstContacts(ids);
    if (machines.length > 0) {
      set({ firstContact: { ids, machines } });
      return;
    }
    await assessService.start(ids);
  },
  async answerFirstContact(allow) {
    const pending = get().firstContact;
    set({ firstContact: null });
    if (allow && pending) await assessService.start(pending.ids, true);
  },
  async check(ids) {
    await machinesService.check(ids);
  },
  // The core announces the changed machine (inventory/changed), which reloads the list.
  async acceptHostKey(id) {
    await credentialsService.acceptHostKey(id);
  },
  async recheck(ids) {
    await machinesService.recheck(ids);
  },
  async repair(id) {
    await machinesService.repair(id);
  },
  async setCredential(ids, credentialId) {
    await credentialsService.setHostCredential(ids, credentialId);
  },
  saveCsv: (csv) => saveText('patchwell-machines.csv', 'text/csv;charset=utf-8', csv),
}));

export const hostsSelectors = {
  label: (h: Host): string => hostLabel(h),
  byId: (s: MachinesState, id: number | null): Host | undefined => (id === null ? undefined : s.hosts.find((h) => h.id === id)),
  counts: (s: MachinesState): { total: number; up: number; down: number; unknown: number } => {
    const c = { total: s.hosts.length, up: 0, down: 0, unknown: 0 };
    for (const h of s.hosts) c[h.reachability]++;
    return c;
  },
};
