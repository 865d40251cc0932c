/** Vulnerability feeds: the ones in force, and importing a newer file. */
import { invoke } from './client';

export const feedsService = {
  list: () => invoke('feeds/list'),
  importFile: (name: string, base64: string, lastModified?: number) => invoke('feeds/import', { name, base64, ...(lastModified ? { lastModified } : {}) }),
  importPath: (path: string) => invoke('feeds/import-path', { path }),
};

/** Reads a chosen file as base64 without a data: URL round trip per byte. */
export async function fileToBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
