import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CredentialInput } from '../../../shared/contract';
import { CredentialForm } from './credential-form';

afterEach(cleanup);

const submitted = async (first: boolean, fill?: () => Promise<void>): Promise<CredentialInput> => {
  const onSubmit = vi.fn(async (_input: CredentialInput) => undefined);
  render(<CredentialForm first={first} onSubmit={onSubmit} onCancel={() => undefined} />);
  fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Linux servers' } });
  fireEvent.change(screen.getByLabelText('User name'), { target: { value: 'admin' } });
  if (fill) await fill();
  await act(async () => {
    fireEvent.click(screen.getByRole('button', { name: 'Add credential' }));
  });
  expect(onSubmit).toHaveBeenCalledTimes(1);
  return onSubmit.mock.calls[0]![0];
};

describe('credential form', () => {
  it('makes the first credential serve every machine, asking before first contact', async () => {
    const input = await submitted(true);
    expect(input.appliesToAll).toBe(true);
    expect(input.askFirstContact).toBe(true);
  });

  it('leaves later credentials to their tags', async () => {
    const input = await submitted(false);
    expect(input.appliesToAll).toBe(false);
  });

  it('reads a chosen key file into the form as text, never as a path', async () => {
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----';
    const input = await submitted(false, async () => {
      const file = new File([`${key}\n`], 'id_ed25519', { type: 'application/octet-stream' });
      await act(async () => {
        fireEvent.change(screen.getByLabelText('Private key file'), { target: { files: [file] } });
      });
      await waitFor(() => expect((screen.getByLabelText('Private key') as HTMLTextAreaElement).value).toBe(key));
    });
    expect(input.privateKey).toBe(key);
    expect(JSON.stringify(input)).not.toContain('id_ed25519');
  });
});
