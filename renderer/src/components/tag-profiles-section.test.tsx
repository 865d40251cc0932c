import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BridgeResult, TagProfile, TagProfileView } from '../../../shared/contract';
import { setTransport } from '../services/client';
import { initialUiState, useUiStore } from '../stores/ui-store';
import { TagProfilesSection } from './tag-profiles-section';

const sent: TagProfile[] = [];

/** A fake core answering like the tag profile handlers. */
function fakeCore(initial: TagProfileView[]): void {
  let tags = structuredClone(initial);
  setTransport({
    invoke: async (name: string, arg: unknown): Promise<BridgeResult> => {
      if (name === 'tags/set-profile') {
        const p = arg as TagProfile;
        sent.push(p);
        tags = tags.map((t) => (t.tag === p.tag ? { ...t, ...p } : t));
      } else if (name !== 'tags/profiles') throw new Error(`unexpected call ${name}`);
      return { ok: true, value: structuredClone(tags) };
    },
    onEvent: () => () => undefined,
    onState: (fn) => (fn('open'), () => undefined),
  });
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await act(async () => new Promise((r) => setTimeout(r, 5)));
};

describe('TagProfilesSection', () => {
  beforeEach(() => {
    sent.length = 0;
    useUiStore.setState(initialUiState);
  });
  afterEach(cleanup);

  it('lists tags with their machines and sends exactly the changed profile', async () => {
    fakeCore([
      { tag: 'dmz', criticality: null, exposed: false, machines: 2 },
      { tag: 'servers', criticality: 'high', exposed: false, machines: 5 },
    ]);
    render(<TagProfilesSection />);
    await settle();
    expect((screen.getByLabelText('Criticality of tag servers') as HTMLSelectElement).value).toBe('high');
    fireEvent.click(screen.getByLabelText('Machines tagged dmz are exposed'));
    await settle();
    expect(sent).toEqual([{ tag: 'dmz', criticality: null, exposed: true }]);
    expect((screen.getByLabelText('Machines tagged dmz are exposed') as HTMLInputElement).checked).toBe(true);
    fireEvent.change(screen.getByLabelText('Criticality of tag servers'), { target: { value: '' } });
    await settle();
    expect(sent[1]).toEqual({ tag: 'servers', criticality: null, exposed: false });
    expect(useUiStore.getState().toasts.at(-1)?.text).toMatch(/servers: no criticality of its own, not marked exposed/);
  });

  it('says what to do when no machine has a tag', async () => {
    fakeCore([]);
    render(<TagProfilesSection />);
    await settle();
    expect(screen.getByText(/No tags yet: give machines tags/)).toBeTruthy();
  });
});
