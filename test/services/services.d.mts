// Types for services.mjs (plain Node ESM so it runs with no build step).
export interface ServiceResult {
  url?: string;
  error?: string;
  /** true when the URL came from the environment and nothing was started. */
  external?: boolean;
}
export const MOTO_URL: string;
export const OPENSEARCH_URL: string;
export const SERVICES_DIR: string;
export function startMoto(): Promise<string>;
export function startOpenSearch(): Promise<string>;
export function startServices(options?: { silent?: boolean }): Promise<{ moto: ServiceResult; opensearch: ServiceResult }>;
export function stopServices(which?: Array<'moto' | 'opensearch'>): Promise<void>;
export function status(): Promise<{
  moto: { url: string; up: boolean; pid: number | null };
  opensearch: { url: string; up: boolean; health: string | null; pid: number | null };
}>;
