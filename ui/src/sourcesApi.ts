// Typed calls to the remote-source commands: add by URL, repository states, sync with
// progress, cancel, tokens for hosts, and the background sync's settings.
import { Channel, invoke } from '@tauri-apps/api/core'
import type { BackgroundSyncStatus } from './bindings/BackgroundSyncStatus'
import type { RemoteRepoRecord } from './bindings/RemoteRepoRecord'
import type { SourceRecord } from './bindings/SourceRecord'
import type { SyncProgress } from './bindings/SyncProgress'
import type { SyncReport } from './bindings/SyncReport'
import type { SyncSettings } from './bindings/SyncSettings'

export const sourcesApi = {
  addRemote: (url: string, branch: string | null) => invoke<SourceRecord>('add_remote', { url, branch }),
  remoteRepos: (sourceId: number) => invoke<RemoteRepoRecord[]>('remote_repos', { sourceId }),
  sync: (sourceId: number | null, onProgress: (p: SyncProgress) => void) => {
    const channel = new Channel<SyncProgress>()
    channel.onmessage = onProgress
    return invoke<SyncReport[]>('sync_sources', { sourceId, onProgress: channel })
  },
  cancelSync: () => invoke<boolean>('cancel_sync'),
  setGitToken: (host: string, username: string | null, token: string) =>
    invoke<void>('set_git_token', { host, username, token }),
  backgroundSync: () => invoke<BackgroundSyncStatus>('background_sync_status'),
  setSyncSettings: (settings: SyncSettings) => invoke<BackgroundSyncStatus>('set_sync_settings', { settings }),
}
