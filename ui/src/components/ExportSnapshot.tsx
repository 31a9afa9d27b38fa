import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { errorMessage } from '../api'
import type { ExportReport } from '../bindings/ExportReport'
import { count, plural } from '../lib/format'
import type { IndexState } from '../lib/progress'
import { fileSize, foldSnapshotProgress, joinPath, suggestedFileName } from '../lib/snapshots'
import { snapshotsApi } from '../snapshotsApi'
import { ProgressBar } from './ProgressBar'

/** Export the catalog (and, for an onboarding pack, its docs) to a `.greenroom` file. */
export function ExportSnapshot({ disabled }: { disabled: boolean }) {
  const folder = useQuery({ queryKey: ['default-export-folder'], queryFn: snapshotsApi.defaultExportFolder })
  const [name, setName] = useState('')
  const [withDocs, setWithDocs] = useState(true)
  // Until the person edits or chooses the path, it follows the docs choice.
  const [path, setPath] = useState<string | null>(null)
  const [progress, setProgress] = useState<IndexState | null>(null)
  const [report, setReport] = useState<ExportReport | null>(null)
  const [error, setError] = useState<string | null>(null)
  const suggested = suggestedFileName(withDocs)
  const target = path ?? (folder.data ? joinPath(folder.data, suggested) : '')

  const choose = async () => {
    const picked = await snapshotsApi.pickExportFile(suggested).catch(() => null)
    if (picked) setPath(picked)
  }
  const run = async () => {
    setError(null)
    setReport(null)
    setProgress({ label: 'Starting…', done: 0, total: null })
    try {
      setReport(
        await snapshotsApi.export(target, { withDocs, name: name.trim() || null }, (event) =>
          setProgress((state) => foldSnapshotProgress(state, event, 'export')),
        ),
      )
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setProgress(null)
    }
  }
  const busy = disabled || progress !== null
  return (
    <div className="export-snapshot">
      <div className="row">
        <input
          type="text"
          id="export-name"
          placeholder="Name importers see, e.g. Platform team"
          aria-label="Snapshot name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          disabled={busy}
        />
      </div>
      <label className="small" style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
        <input type="checkbox" checked={withDocs} onChange={(e) => setWithDocs(e.target.checked)} disabled={busy} id="export-with-docs" />
        Include the docs (an onboarding pack that works with no repository cloned)
      </label>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault()
          if (target.trim()) void run()
        }}
      >
        <input
          type="text"
          id="export-path"
          aria-label="Save as"
          value={target}
          onChange={(e) => setPath(e.target.value)}
          disabled={busy}
        />
        <button className="button" type="button" onClick={() => void choose()} disabled={busy} id="choose-export">
          Choose…
        </button>
        <button className="button primary" type="submit" disabled={busy || !target.trim()} id="export-snapshot">
          Export
        </button>
      </form>
      {progress && <ProgressBar state={progress} />}
      {report && (
        <div className="notice" role="status" id="export-summary">
          Wrote {fileSize(report.bytes)} to <span className="mono small">{report.path}</span>:{' '}
          {plural(report.manifest.counts.entities, 'entity', 'entities')},{' '}
          {plural(report.manifest.counts.pages, 'docs page', 'docs pages')}, in {count(report.millis)} ms.
          <div className="small muted" style={{ marginTop: 4 }}>
            {report.signature.status === 'verified'
              ? `Signed by ${report.signature.signer}.`
              : 'Not signed: to sign, export with `greenroom snapshot export --sign KEY` (keys from `greenroom snapshot keygen`).'}
            {report.warnings.map((w) => (
              <div key={w}>{w}</div>
            ))}
          </div>
        </div>
      )}
      {error && (
        <div className="notice error" role="alert" id="export-error">
          {error}
        </div>
      )}
    </div>
  )
}
