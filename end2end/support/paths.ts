import { resolve } from 'node:path';

/** Where the global setup keeps what it shares with the tests (git-ignored). */
export const harnessDir = resolve(__dirname, '..', '.harness');

/**
 * The admin's signed-in browser state on the main app (its `rm_session` cookie), written by the
 * global setup and every test's default `storageState`.
 */
export const adminStorageState = resolve(harnessDir, 'admin-storage-state.json');
