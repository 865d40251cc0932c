import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../shared/contract';
import { HostForm } from './host-form';

afterEach(cleanup);

describe('HostForm', () => {
  it('submits what the user typed, tags split', async () => {
    const onSubmit = vi.fn(async () => undefined);
    render(<HostForm onSubmit={onSubmit} onCancel={() => undefined} />);
    fireEvent.change(screen.getByLabelText('Address'), { target: { value: ' 127.0.0.11 ' } });
    fireEvent.change(screen.getByLabelText('Tags'), { target: { value: 'servers, canary' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add machine' }));
    await waitFor(() => expect(onSubmit).toHaveBeenCalled());
    expect(onSubmit.mock.calls[0]).toEqual([
      expect.objectContaining({ address: '127.0.0.11', tags: ['servers', 'canary'], sshPort: 22, criticality: 'normal' }),
    ]);
  });

  it('shows the core’s message beside the field, and keeps what was typed', async () => {
    const onSubmit = vi.fn(async () => {
      throw new AppError('bad-request', 'bad', { address: 'Enter an IPv4 address or a host name', 'tags.0': 'A tag uses letters' });
    });
    render(<HostForm onSubmit={onSubmit} onCancel={() => undefined} />);
    fireEvent.change(screen.getByLabelText('Address'), { target: { value: 'bad host!' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add machine' }));
    expect(await screen.findByText('Enter an IPv4 address or a host name')).toBeTruthy();
    expect(screen.getByText('A tag uses letters')).toBeTruthy();
    expect((screen.getByLabelText('Address') as HTMLInputElement).value).toBe('bad host!');
    expect(screen.getByLabelText('Address').getAttribute('aria-invalid')).toBe('true');
  });
});
