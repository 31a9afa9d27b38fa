// What the snapshot screens say: progress, signatures, sizes, the summary of an import,
// and whether a file would take the catalog back to an older snapshot.
import type { ImportReport } from '../bindings/ImportReport'
import type { SignatureStatus } from '../bindings/SignatureStatus'
import type { SnapshotInfo } from '../bindings/SnapshotInfo'
import type { SnapshotProgress } from '../bindings/SnapshotProgress'
import type { SnapshotSource } from '../bindings/SnapshotSource'
import { bytes, count, plural } from './format'
import type { IndexState } from './progress'

/** Folds one export or import event into the state of a progress bar. */
export function foldSnapshotProgress(
  state: IndexState | null,
  event: SnapshotProgress,
  action: 'export' | 'import',
): IndexState {
  const keep = { done: state?.done ?? 0, total: null }
  switch (event.kind) {
    case 'reading':
      return { ...keep, label: action === 'export' ? 'Reading the catalog…' : 'Reading and checking the file…' }
    case 'verified':
      return {
        ...keep,
        label: `Checked: ${plural(event.entities, 'entity', 'entities')}, ${plural(event.pages, 'docs page', 'docs pages')}. Validating…`,
      }
    case 'validated':
      return {
        ...keep,
        label:
          event.invalid > 0
            ? `Validated ${count(event.entities)} entities (${count(event.invalid)} refused)`
            : `Validated ${plural(event.entities, 'entity', 'entities')}`,
      }
    case 'docs':
      return {
        label: action === 'export' ? 'Collecting docs sites…' : 'Writing docs sites…',
        done: event.done,
        total: event.total,
        unit: 'docs sites',
      }
    case 'writing':
      return { ...keep, label: action === 'export' ? 'Compressing and writing the file…' : 'Writing the catalog…' }
  }
}

/** "Signed by Platform team (key 1A2B…)" or "Not signed". */
export function signatureLabel(signature: SignatureStatus): string {
  if (signature.status === 'unsigned') return 'Not signed'
  const who = signature.signer.trim() || 'an unnamed signer'
  return `Signed by ${who} (key ${signature.keyId})`
}

/** 2.2 MB, 840 KB, 12 bytes. */
export function fileSize(n: number): string {
  return n < 1024 ? plural(n, 'byte', 'bytes') : bytes(n)
}

/** One line on what an import changed. */
export function changeSummary(report: ImportReport): string {
  if (report.unchanged) return `Nothing changed: this is the snapshot already imported as ${report.sourceName}.`
  const parts = [
    `${count(report.added)} added`,
    `${count(report.updated)} updated`,
    `${count(report.removed)} removed`,
    plural(report.conflicts.length, 'conflict', 'conflicts'),
  ]
  return `${report.created ? 'Imported' : 'Updated'} ${report.sourceName}: ${parts.join(', ')}.`
}

/** The imported snapshot of the same publisher that is newer than `info`, if any. */
export function newerImported(info: SnapshotInfo, imported: SnapshotSource[]): SnapshotSource | undefined {
  return imported.find(
    (s) => s.snapshot.origin?.id === info.manifest.origin.id && s.snapshot.createdAt > info.manifest.createdAt,
  )
}

/** The file name an export suggests: greenroom-catalog[-with-docs]-2026-11-25.greenroom */
export function suggestedFileName(withDocs: boolean, now: Date = new Date()): string {
  const day = now.toISOString().slice(0, 10)
  return `greenroom-catalog${withDocs ? '-with-docs' : ''}-${day}.greenroom`
}

/** Joins a folder and a file name with the folder's own separator. */
export function joinPath(folder: string, name: string): string {
  const separator = folder.includes('\\') && !folder.includes('/') ? '\\' : '/'
  return folder.endsWith(separator) ? folder + name : folder + separator + name
}
