// Live refresh: the shell emits one `catalog-changed` event per batch of writes (from
// this window, the CLI or the folder watcher); everything on screen is asked again.
// `index-progress` tells that the watcher is re-indexing a folder.
import type { QueryClient } from '@tanstack/react-query'
import { listen } from '@tauri-apps/api/event'
import type { ChangeBatch } from './bindings/ChangeBatch'
import type { Progress } from './bindings/Progress'
import { watcherBusy } from './lib/flag'

/** Starts listening to the shell's events (outside Tauri, e.g. in tests, it does nothing). */
export function startLiveRefresh(client: QueryClient): void {
  if (!('__TAURI_INTERNALS__' in window)) return
  void listen<ChangeBatch>('catalog-changed', () => {
    // Only what is on screen is asked again now; the rest when it is next shown.
    void client.invalidateQueries()
  })
  void listen<Progress>('index-progress', (event) => {
    watcherBusy.set(event.payload.kind !== 'sourceFinished')
  })
}
