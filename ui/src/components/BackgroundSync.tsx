import { useQuery, useQueryClient } from '@tanstack/react-query'
import { listen } from '@tauri-apps/api/event'
import { useEffect, useState } from 'react'
import { errorMessage } from '../api'
import type { Pause } from '../bindings/Pause'
import type { SyncProgress } from '../bindings/SyncProgress'
import { timeAgo } from '../lib/format'
import { syncProgress, useSyncProgress } from '../lib/syncProgress'
import { sourcesApi } from '../sourcesApi'

const INTERVALS: { minutes: number; label: string }[] = [
  { minutes: 0, label: 'Off' },
  { minutes: 15, label: 'Every 15 minutes' },
  { minutes: 30, label: 'Every 30 minutes' },
  { minutes: 60, label: 'Every hour' },
  { minutes: 240, label: 'Every 4 hours' },
  { minutes: 1440, label: 'Once a day' },
]

const PAUSES: Record<Pause, string> = {
  off: 'Remote sources sync only when you ask.',
  onBattery: 'Paused while this computer runs on battery.',
  offline: 'Paused: this computer has no network connection. The catalog keeps what was last synced.',
}

/** The background sync's interval, and whether it is paused (battery, offline). */
export function SyncSettingsCard() {
  const client = useQueryClient()
  const status = useQuery({ queryKey: ['background-sync'], queryFn: sourcesApi.backgroundSync, refetchInterval: 60_000 })
  const [error, setError] = useState<string | null>(null)
  const minutes = status.data?.settings.intervalMinutes ?? 30
  const known = INTERVALS.some((i) => i.minutes === minutes)
  const change = async (value: number) => {
    setError(null)
    try {
      client.setQueryData(['background-sync'], await sourcesApi.setSyncSettings({ intervalMinutes: value }))
    } catch (e) {
      setError(errorMessage(e))
    }
  }
  return (
    <section className="card" id="background-sync" style={{ marginBottom: 16 }}>
      <div className="sync-settings">
        <h2>Background sync</h2>
        <select
          id="sync-interval"
          aria-label="Background sync interval"
          value={minutes}
          onChange={(e) => void change(Number(e.target.value))}
        >
          {!known && <option value={minutes}>Every {minutes} minutes</option>}
          {INTERVALS.map((i) => (
            <option key={i.minutes} value={i.minutes}>
              {i.label}
            </option>
          ))}
        </select>
        <span className="small muted" id="sync-paused">
          {status.data?.paused
            ? PAUSES[status.data.paused]
            : status.data?.lastRunAt
              ? `Last background sync ${timeAgo(status.data.lastRunAt)}.`
              : 'Remote sources sync while Greenroom is open, except on battery or offline.'}
        </span>
      </div>
      {error && <div className="notice error small">{error}</div>}
    </section>
  )
}

/** Follows the background sync for the whole window, and says in the sidebar when it runs. */
export function SyncActivity() {
  const client = useQueryClient()
  const progress = useSyncProgress()
  useEffect(() => {
    if (!('__TAURI_INTERNALS__' in window)) return
    const stop = listen<SyncProgress>('background-sync', (event) => {
      syncProgress.record(event.payload)
      if (event.payload.kind === 'sourceFinished') void client.invalidateQueries()
    })
    return () => void stop.then((unlisten) => unlisten())
  }, [client])
  const running = Object.values(progress).filter((s) => s.running)
  if (running.length === 0) return null
  return (
    <div className="busy" role="status" id="sync-activity">
      <span className="spinner" /> Syncing {running.map((s) => s.name).join(', ')}…
    </div>
  )
}
