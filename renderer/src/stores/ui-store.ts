/** UI preferences and navigation. Only preferences persist (in localStorage); domain data lives in SQLite. */
import { create } from 'zustand';
import { persist } from 'zustand/middleware';

export type Page = 'dashboard' | 'machines' | 'patches' | 'deployments' | 'reports' | 'settings' | 'schedules';
export type Theme = 'system' | 'light' | 'dark';

export interface UiState {
  page: Page;
  theme: Theme;
  connection: 'connecting' | 'open' | 'closed';
  toasts: { id: number; kind: 'info' | 'error'; text: string }[];
}

export interface UiActions {
  go(page: Page): void;
  setTheme(theme: Theme): void;
  setConnection(c: UiState['connection']): void;
  toast(kind: 'info' | 'error', text: string): void;
  dismissToast(id: number): void;
}

export const initialUiState: UiState = { page: 'dashboard', theme: 'system', connection: 'connecting', toasts: [] };

let toastId = 0;

export const useUiStore = create<UiState & UiActions>()(
  persist(
    (set) => ({
      ...initialUiState,
      // An error is about the page it happened on: it does not follow the user to the next one.
      go: (page) => set((s) => ({ page, toasts: s.page === page ? s.toasts : s.toasts.filter((t) => t.kind !== 'error') })),
      setTheme: (theme) => set({ theme }),
      setConnection: (connection) => set({ connection }),
      toast: (kind, text) => set((s) => ({ toasts: [...s.toasts, { id: ++toastId, kind, text }].slice(-5) })),
      dismissToast: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
    }),
    { name: 'patchwell-ui', partialize: (s) => ({ theme: s.theme }) },
  ),
);
