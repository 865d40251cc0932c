/** Types of install-lib.mjs (plain JavaScript, so it runs before node_modules exists). */
export const root: string;
export function npmInstallNeeded(dir?: string): boolean;
export function ensureNpmPackages(): Promise<boolean>;
export function electronBinary(dir?: string): { path: string } | { missing: string; downloadable?: boolean };
export function testDebianPackages(dir?: string): string[];
export function missingDebianPackages(names: readonly string[]): string[];
export const PWSH_VERSION: string;
export const PWSH_INSTALL: string;
export function findPwsh(env?: NodeJS.ProcessEnv, home?: string): string | null;
