/** The Policies section: the saved rules and blocks from the core, and the preview of the rule being edited. */
import { create } from 'zustand';
import type { CallArg, PolicyBlock, PolicyEvaluation, PolicyRule, PolicyRuleInput } from '../../../shared/contract';
import { policiesService } from '../services/policies-service';
import { busyRunner } from './busy';

export interface PoliciesState {
  rules: PolicyRule[];
  blocks: PolicyBlock[];
  loaded: boolean;
  error: string | null;
  busy: boolean;
  preview: PolicyEvaluation | null;
}

export interface PoliciesActions {
  load(): Promise<void>;
  previewRule(rule: PolicyRuleInput): Promise<void>;
  clearPreview(): void;
  saveRule(rule: PolicyRuleInput): Promise<PolicyEvaluation>;
  removeRule(id: number): Promise<void>;
  evaluate(): Promise<PolicyEvaluation>;
  addBlock(block: CallArg<'policies/add-block'>): Promise<void>;
  removeBlock(id: number): Promise<void>;
}

export const initialPoliciesState: PoliciesState = { rules: [], blocks: [], loaded: false, error: null, busy: false, preview: null };

export const usePoliciesStore = create<PoliciesState & PoliciesActions>()((set, get) => {
  const busy = busyRunner(set);
  return {
    ...initialPoliciesState,
    async load() {
      try {
        const { rules, blocks } = await policiesService.list();
        set({ rules, blocks, loaded: true, error: null });
      } catch (err) {
        set({ loaded: true, error: err instanceof Error ? err.message : String(err) });
      }
    },
    previewRule: (rule) => busy(async () => set({ preview: await policiesService.preview(rule) })),
    clearPreview: () => set({ preview: null }),
    saveRule: (rule) =>
      busy(async () => {
        const { evaluation } = await policiesService.saveRule(rule);
        set({ preview: null });
        await get().load();
        return evaluation;
      }),
    removeRule: (id) =>
      busy(async () => {
        await policiesService.removeRule(id);
        await get().load();
      }),
    evaluate: () => busy(() => policiesService.evaluate()),
    addBlock: (block) => busy(async () => set({ blocks: await policiesService.addBlock(block) })),
    removeBlock: (id) => busy(async () => set({ blocks: await policiesService.removeBlock(id) })),
  };
});
