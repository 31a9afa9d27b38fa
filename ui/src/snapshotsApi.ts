// Typed calls to the snapshot commands: export the catalog to a file, check and import a
// file with progress, the imported snapshots, which side wins a conflict, and where an
// entity's repository is.
import { Channel, invoke } from '@tauri-apps/api/core'
import type { ExportReport } from './bindings/ExportReport'
import type { ExportRequest } from './bindings/ExportRequest'
import type { ImportReport } from './bindings/ImportReport'
import type { ImportRequest } from './bindings/ImportRequest'
import type { RepoAvailability } from './bindings/RepoAvailability'
import type { SnapshotInfo } from './bindings/SnapshotInfo'
import type { SnapshotProgress } from './bindings/SnapshotProgress'
import type { SnapshotSource } from './bindings/SnapshotSource'
import type { SourceRecord } from './bindings/SourceRecord'

function channel(onProgress: (p: SnapshotProgress) => void): Channel<SnapshotProgress> {
  const c = new Channel<SnapshotProgress>()
  c.onmessage = onProgress
  return c
}

export const snapshotsApi = {
  launchSnapshot: () => invoke<string | null>('launch_snapshot'),
  pickSnapshot: () => invoke<string | null>('pick_snapshot'),
  pickExportFile: (suggested: string) => invoke<string | null>('pick_export_file', { suggested }),
  defaultExportFolder: () => invoke<string | null>('default_export_folder'),
  inspect: (path: string) => invoke<SnapshotInfo>('inspect_snapshot_file', { path }),
  import: (path: string, request: ImportRequest, onProgress: (p: SnapshotProgress) => void) =>
    invoke<ImportReport>('import_snapshot', { path, request, onProgress: channel(onProgress) }),
  export: (path: string, request: ExportRequest, onProgress: (p: SnapshotProgress) => void) =>
    invoke<ExportReport>('export_snapshot', { path, request, onProgress: channel(onProgress) }),
  list: () => invoke<SnapshotSource[]>('list_snapshots'),
  setWins: (sourceId: number, wins: boolean) => invoke<SourceRecord>('set_snapshot_wins', { sourceId, wins }),
  entityRepository: (key: string) => invoke<RepoAvailability>('entity_repository', { key }),
}
