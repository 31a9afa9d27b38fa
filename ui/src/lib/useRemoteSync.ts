// Running a sync of remote sources from the window: progress into the shared store, errors
// for a notice, everything on screen refreshed when it is done.
import { useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { errorMessage } from '../api'
import type { SyncReport } from '../bindings/SyncReport'
import { sourcesApi } from '../sourcesApi'
import { syncProgress, useSyncProgress } from './syncProgress'

export function useRemoteSync() {
  const client = useQueryClient()
  const progress = useSyncProgress()
  const [error, setError] = useState<string | null>(null)
  const [requested, setRequested] = useState(false)

  const sync = async (sourceId: number | null): Promise<SyncReport[] | undefined> => {
    setRequested(true)
    setError(null)
    try {
      return await sourcesApi.sync(sourceId, (event) => syncProgress.record(event))
    } catch (e) {
      setError(errorMessage(e))
      return undefined
    } finally {
      setRequested(false)
      await client.invalidateQueries()
    }
  }
  const running = requested || Object.values(progress).some((s) => s.running)
  return { sync, running, progress, error, setError }
}
