/** The scan dialog's state: the target form, its live check, and the running scan's results. */
import { create } from 'zustand';
import type { CallResult, ScanResult, TargetCheck } from '../../../shared/contract';
import { discoveryService } from '../services/discovery-service';

export interface DiscoveryState {
  suggestions: CallResult<'discovery/suggest'>;
  include: string;
  exclude: string;
  extraPorts: string;
  check: TargetCheck | null;
  confirmLarge: boolean;
  jobId: number | null;
  scanId: number | null;
  results: ScanResult[];
  selected: string[];
  error: string | null;
}

export interface DiscoveryActions {
  loadSuggestions(): Promise<void>;
  setField(field: 'include' | 'exclude' | 'extraPorts', value: string): void;
  toggleSuggestion(cidr: string): void;
  runCheck(): Promise<void>;
  setConfirmLarge(v: boolean): void;
  start(): Promise<void>;
  addResult(jobId: number, r: ScanResult): void;
  refreshResults(): Promise<void>;
  toggleSelected(address: string): void;
  selectAllNew(): void;
  addSelected(): Promise<number>;
  reset(): void;
}

export const initialDiscoveryState: DiscoveryState = {
  suggestions: [],
  include: '',
  exclude: '',
  extraPorts: '',
  check: null,
  confirmLarge: false,
  jobId: null,
  scanId: null,
  results: [],
  selected: [],
  error: null,
};

/** "8080, 8443" → [8080, 8443]; anything else is left for the core to refuse with its message. */
export function parsePorts(text: string): number[] {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((p) => (/^\d{1,5}$/.test(p) ? Number(p) : -1));
}

export const useDiscoveryStore = create<DiscoveryState & DiscoveryActions>()((set, get) => ({
  ...initialDiscoveryState,
  async loadSuggestions() {
    const suggestions = await discoveryService.suggest();
    set((s) => ({ suggestions, include: s.include || (suggestions.find((x) => x.kind === 'lan') ?? suggestions[0])?.cidr || '' }));
  },
  setField(field, value) {
    set({ [field]: value } as Pick<DiscoveryState, typeof field>);
  },
  toggleSuggestion(cidr) {
    const tokens = get().include.split(/[\s,]+/).filter(Boolean);
    const next = tokens.includes(cidr) ? tokens.filter((t) => t !== cidr) : [...tokens, cidr];
    set({ include: next.join(' ') });
  },
  async runCheck() {
    const { include, exclude, extraPorts } = get();
    const ports = parsePorts(extraPorts);
    if (ports.some((p) => p < 1 || p > 65535)) {
      set({ check: { ok: false, addressCount: 0, hostnameCount: 0, needsConfirmation: false, errors: [{ field: 'ports', token: extraPorts, message: 'Ports are numbers from 1 to 65535' }] } });
      return;
    }
    try {
      set({ check: await discoveryService.check(include, exclude, ports) });
    } catch (err) {
      set({ error: err instanceof Error ? err.message : String(err) });
    }
  },
  setConfirmLarge: (v) => set({ confirmLarge: v }),
  async start() {
    const { include, exclude, extraPorts, confirmLarge } = get();
    set({ error: null, results: [], selected: [], scanId: null });
    try {
      const { jobId } = await discoveryService.start(include, exclude, parsePorts(extraPorts), confirmLarge);
      set({ jobId });
    } catch (err) {
      set({ error: err instanceof Error ? err.message : String(err) });
    }
  },
  addResult(jobId, r) {
    if (jobId !== get().jobId) return;
    set((s) => ({ scanId: r.scanId, results: [...s.results.filter((x) => x.address !== r.address), r] }));
  },
  async refreshResults() {
    const jobId = get().jobId;
    if (jobId === null) return;
    const { scan, results } = await discoveryService.results(jobId);
    set({ scanId: scan?.id ?? null, results });
  },
  toggleSelected(address) {
    set((s) => ({ selected: s.selected.includes(address) ? s.selected.filter((a) => a !== address) : [...s.selected, address] }));
  },
  selectAllNew() {
    set((s) => ({ selected: s.results.filter((r) => r.change === 'new' && r.hostId === null).map((r) => r.address) }));
  },
  async addSelected() {
    const { scanId, selected } = get();
    if (scanId === null || selected.length === 0) return 0;
    const { added } = await discoveryService.add(scanId, selected);
    await get().refreshResults();
    set({ selected: [] });
    return added.length;
  },
  reset: () => set({ jobId: null, scanId: null, results: [], selected: [], error: null, check: null, confirmLarge: false }),
}));
