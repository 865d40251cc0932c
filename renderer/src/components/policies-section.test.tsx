import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describePolicyRule, type BridgeResult, type Host, type PolicyBlock, type PolicyEvaluation, type PolicyRule } from '../../../shared/contract';
import { setTransport } from '../services/client';
import { initialMachinesState, useMachinesStore } from '../stores/machines-store';
import { initialPoliciesState, usePoliciesStore } from '../stores/policies-store';
import { initialUiState, useUiStore } from '../stores/ui-store';
import { PoliciesSection } from './policies-section';

const calls: { name: string; arg: unknown }[] = [];

/** A fake core keeping rules and blocks in memory, answering like the real handlers. */
function fakeCore(evaluation: PolicyEvaluation): void {
  const rules: PolicyRule[] = [];
  const blocks: PolicyBlock[] = [];
  const answer = (name: string, arg: unknown): unknown => {
    switch (name) {
      case 'policies/list':
        return { rules, blocks };
      case 'policies/preview':
      case 'policies/evaluate':
        return evaluation;
      case 'policies/save-rule': {
        const input = arg as Omit<PolicyRule, 'id' | 'summary' | 'createdAt' | 'updatedAt'>;
        const rule = { ...input, tag: input.tag ?? null, id: rules.length + 1, summary: describePolicyRule({ ...input, tag: input.tag ?? null }), createdAt: 1, updatedAt: 1 };
        rules.push(rule);
        return { rule, evaluation };
      }
      case 'policies/add-block': {
        const b = arg as { kind: 'package' | 'kb'; name: string; tag: string | null; reason: string };
        blocks.push({ id: blocks.length + 1, kind: b.kind, name: b.name, tag: b.tag, reason: b.reason, createdAt: 1 });
        return blocks;
      }
      default:
        throw new Error(`unexpected call ${name}`);
    }
  };
  setTransport({
    invoke: async (name: string, arg: unknown): Promise<BridgeResult> => {
      calls.push({ name, arg });
      return { ok: true, value: structuredClone(answer(name, arg)) };
    },
    onEvent: () => () => undefined,
    onState: (fn) => (fn('open'), () => undefined),
  });
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await act(async () => new Promise((r) => setTimeout(r, 5)));
};

const evaluation: PolicyEvaluation = {
  approved: 1,
  held: 1,
  decisions: [
    { hostId: 3, hostLabel: 'files01', package: 'openssl', fromVersion: '3.0.14-1', toVersion: '3.0.15-1', outcome: 'approve', rule: 'Fleet rule', why: 'KEV-listed CVE-2024-0001' },
    { hostId: 3, hostLabel: 'files01', package: 'linux-image-amd64', fromVersion: '6.1.1', toVersion: '6.1.2', outcome: 'held', rule: 'Fleet rule', why: 'risk band critical (score 90), but blocked: kernel by hand' },
  ],
};

beforeEach(() => {
  calls.length = 0;
  useMachinesStore.setState({ hosts: [{ id: 3, tags: ['office'] } as unknown as Host], loaded: true });
});

afterEach(() => {
  cleanup();
  setTransport(null);
  useMachinesStore.setState(initialMachinesState);
  usePoliciesStore.setState(initialPoliciesState);
  useUiStore.setState(initialUiState);
});

describe('Policies section', () => {
  it('says what to do when there is no rule and no block, and what the drafted rule will do in plain words', async () => {
    fakeCore(evaluation);
    render(<PoliciesSection />);
    await settle();
    expect(screen.getByText(/No rule yet: every update waits for you on the Patches page/)).toBeTruthy();
    expect(screen.getByText(/Nothing is blocked/)).toBeTruthy();
    expect(screen.getByLabelText('What this rule will do').textContent).toBe(
      'All machines: approve at once an update that fixes a CVE on the KEV list (known exploited), or has a critical risk band; approve every other update once it has been pending 7 days. Blocked packages are never approved.',
    );
    fireEvent.change(screen.getByLabelText('everything else after this many days pending'), { target: { value: '' } });
    fireEvent.click(screen.getByLabelText('security updates only'));
    expect(screen.getByLabelText('What this rule will do').textContent).toMatch(/critical risk band\. Only findings \(KEV-listed, high or critical risk, or from a security repository\); others wait for a manual approval\./);
  });

  it('previews a rule before saving it, then saves it for the chosen tag', async () => {
    fakeCore(evaluation);
    render(<PoliciesSection />);
    await settle();
    fireEvent.change(screen.getByLabelText('Applies to', { selector: '#rule-scope' }), { target: { value: 'office' } });
    fireEvent.click(screen.getByRole('button', { name: 'Preview' }));
    await settle();
    const preview = screen.getByLabelText('Preview');
    expect(preview.textContent).toContain('Now this approves 1 update on 1 machine; 1 held back by the block list.');
    expect(within(preview).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'openssl 3.0.14-1 → 3.0.15-1 on files01: KEV-listed CVE-2024-0001',
      'Held: linux-image-amd64 6.1.1 → 6.1.2 on files01: risk band critical (score 90), but blocked: kernel by hand',
    ]);
    expect(calls.filter((c) => c.name === 'policies/list')).toHaveLength(1);
    fireEvent.click(screen.getByRole('button', { name: 'Save rule' }));
    await settle();
    const saved = calls.find((c) => c.name === 'policies/save-rule');
    expect(saved?.arg).toEqual({ tag: 'office', name: 'Fleet rule', mode: 'auto', approveKev: true, approveBand: 'critical', approveScore: null, afterDays: 7, securityOnly: false });
    const table = screen.getByRole('table', { name: 'Auto-approve rules' });
    expect(within(table).getByText('tag office')).toBeTruthy();
    expect(within(table).getByText(/^Machines tagged office: approve at once/)).toBeTruthy();
    expect(useUiStore.getState().toasts.map((t) => t.text)).toEqual(['Saved Fleet rule. Now this approves 1 update on 1 machine; 1 held back by the block list.']);
    // Editing the office rule again now says it replaces the saved one.
    expect(screen.getByRole('button', { name: 'Save (replaces the current rule)' })).toBeTruthy();
  });

  it('blocks a package only with a reason', async () => {
    fakeCore(evaluation);
    render(<PoliciesSection />);
    await settle();
    const blockButton = screen.getByRole('button', { name: 'Block' }) as HTMLButtonElement;
    fireEvent.change(screen.getByLabelText('Package name'), { target: { value: 'linux-image-amd64' } });
    expect(blockButton.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Why (required)'), { target: { value: 'kernel by hand' } });
    expect(blockButton.disabled).toBe(false);
    fireEvent.click(blockButton);
    await settle();
    expect(calls.find((c) => c.name === 'policies/add-block')?.arg).toEqual({ kind: 'package', name: 'linux-image-amd64', reason: 'kernel by hand', tag: null });
    const table = screen.getByRole('table', { name: 'Blocked packages' });
    expect(within(table).getByText('kernel by hand')).toBeTruthy();
    expect((screen.getByLabelText('Package name') as HTMLInputElement).value).toBe('');
  });
});
