import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link } from 'react-router'
import { errorMessage } from '../api'
import type { ImportReport } from '../bindings/ImportReport'
import type { SnapshotInfo } from '../bindings/SnapshotInfo'
import { count, plural, timeAgo } from '../lib/format'
import type { IndexState } from '../lib/progress'
import { changeSummary, fileSize, foldSnapshotProgress, newerImported, signatureLabel } from '../lib/snapshots'
import { snapshotsApi } from '../snapshotsApi'
import { ProgressBar } from './ProgressBar'

interface Props {
  /** A file to check at once (the app was opened with it). */
  initialPath?: string | null
  primary?: boolean
  /** Called once an import went through. */
  onImported?: (report: ImportReport) => void
}

/** Open a `.greenroom` file: choose or type it, see what it holds and who signed it, import
 * it with progress, and read what changed. */
export function OpenSnapshot({ initialPath, primary, onImported }: Props) {
  const client = useQueryClient()
  const imported = useQuery({ queryKey: ['snapshots'], queryFn: snapshotsApi.list })
  const [path, setPath] = useState(initialPath ?? '')
  // The file being checked (the app's own file at once, else once the person asks).
  const [checked, setChecked] = useState<string | null>(initialPath ?? null)
  const inspected = useQuery({
    queryKey: ['inspect-snapshot', checked],
    queryFn: () => snapshotsApi.inspect(checked ?? ''),
    enabled: checked !== null,
    retry: false,
    gcTime: 0,
  })
  const [goBack, setGoBack] = useState(false)
  const [progress, setProgress] = useState<IndexState | null>(null)
  const [report, setReport] = useState<ImportReport | null>(null)
  const [importError, setImportError] = useState<string | null>(null)
  const importing = progress !== null
  const checking = inspected.isFetching
  const info: SnapshotInfo | undefined = checked !== null ? inspected.data : undefined
  const error = importError ?? (inspected.error ? errorMessage(inspected.error) : null)

  const check = (file: string) => {
    setPath(file)
    setReport(null)
    setImportError(null)
    setGoBack(false)
    if (file === checked) void inspected.refetch()
    else setChecked(file)
  }

  const choose = async () => {
    const picked = await snapshotsApi.pickSnapshot().catch(() => null)
    if (picked) check(picked)
  }
  const run = async () => {
    setImportError(null)
    setProgress({ label: 'Starting…', done: 0, total: null })
    try {
      const done = await snapshotsApi.import(path, { allowOlder: goBack }, (event) =>
        setProgress((state) => foldSnapshotProgress(state, event, 'import')),
      )
      setReport(done)
      setChecked(null)
      onImported?.(done)
    } catch (e) {
      setImportError(errorMessage(e))
    } finally {
      setProgress(null)
      await client.invalidateQueries()
    }
  }
  const newer = info ? newerImported(info, imported.data ?? []) : undefined
  const busy = checking || importing

  return (
    <div className="open-snapshot">
      <div className="row">
        <button className={`button${primary ? ' primary' : ''}`} onClick={() => void choose()} disabled={busy} id="choose-snapshot">
          Open snapshot…
        </button>
      </div>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault()
          if (path.trim()) check(path.trim())
        }}
      >
        <input
          type="text"
          id="snapshot-path"
          placeholder="or type the path of a .greenroom file"
          aria-label="Snapshot file"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          disabled={busy}
        />
        <button className="button" type="submit" disabled={busy || !path.trim()} id="check-snapshot">
          Check
        </button>
      </form>
      {checking && (
        <div className="busy" role="status">
          <span className="spinner" /> Checking the file: checksums, signature, every entity…
        </div>
      )}
      {info && (
        <div className="snapshot-preview" id="snapshot-preview" aria-label="What the snapshot holds">
          <h3>{info.manifest.origin.name}</h3>
          <dl className="fields">
            <dt>Made</dt>
            <dd title={new Date(info.manifest.createdAt).toLocaleString()}>
              {timeAgo(info.manifest.createdAt)} by {info.manifest.producer}
            </dd>
            <dt>Holds</dt>
            <dd id="snapshot-counts">
              {plural(info.manifest.counts.entities, 'entity', 'entities')} from{' '}
              {plural(info.manifest.counts.repos, 'repository', 'repositories')},{' '}
              {plural(info.manifest.counts.pages, 'docs page', 'docs pages')},{' '}
              {plural(info.manifest.counts.apiDefinitions, 'API definition', 'API definitions')}
            </dd>
            <dt>Signature</dt>
            <dd id="snapshot-signature">
              <span className={`chip ${info.signature.status === 'verified' ? 'badge-ok' : ''}`}>
                {signatureLabel(info.signature)}
              </span>
            </dd>
            <dt>File</dt>
            <dd className="small">{fileSize(info.fileSize)}, checksums verified</dd>
          </dl>
          {info.invalid.length > 0 && (
            <div className="notice warning">
              {plural(info.manifest.counts.entities - info.validEntities, 'entity does', 'entities do')} not pass
              validation and will be left out:
              <ul className="small">
                {info.invalid.slice(0, 5).map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
            </div>
          )}
          {newer && (
            <label className="notice warning" style={{ display: 'flex', gap: 8, alignItems: 'start' }}>
              <input type="checkbox" checked={goBack} onChange={(e) => setGoBack(e.target.checked)} id="allow-older" />
              <span>
                This snapshot is older than the one you imported {timeAgo(newer.snapshot.createdAt)} from{' '}
                {newer.snapshot.origin?.name}. Import it anyway and go back to it.
              </span>
            </label>
          )}
          <div className="row">
            <button
              className="button primary"
              onClick={() => void run()}
              disabled={busy || (newer !== undefined && !goBack)}
              id="import-snapshot"
            >
              Import {plural(info.validEntities, 'entity', 'entities')}
            </button>
          </div>
        </div>
      )}
      {progress && <ProgressBar state={progress} />}
      {report && <ImportSummary report={report} />}
      {error && (
        <div className="notice error" role="alert" id="snapshot-error">
          {error}
        </div>
      )}
    </div>
  )
}

/** What an import changed, and where to look next. */
function ImportSummary({ report }: { report: ImportReport }) {
  return (
    <div className="notice" role="status" id="import-summary">
      <div>{changeSummary(report)}</div>
      <div className="small muted" style={{ marginTop: 4 }}>
        {signatureLabel(report.signature)} · {plural(report.pages, 'docs page', 'docs pages')} ·{' '}
        {count(report.millis)} ms
        {report.invalidEntities > 0 && ` · ${plural(report.invalidEntities, 'entity', 'entities')} left out`}
      </div>
      {report.conflicts.length > 0 && (
        <div className="small" style={{ marginTop: 6 }}>
          Your own sources also define {plural(report.conflicts.length, 'entity', 'entities')}
          {report.overriding > 0 ? '; the snapshot wins for ' + count(report.overriding) : '; yours win'}:{' '}
          <span className="mono">{report.conflicts.slice(0, 5).join(', ')}</span>
          {report.conflicts.length > 5 && ` and ${count(report.conflicts.length - 5)} more`}.{' '}
          <Link to="/sources">Choose which side wins</Link>
        </div>
      )}
      <div style={{ marginTop: 6 }}>
        <Link to={`/?source=${report.sourceId}`} id="imported-entities">
          See its {plural(report.entities, 'entity', 'entities')}
        </Link>
      </div>
    </div>
  )
}
