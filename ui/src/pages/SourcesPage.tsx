import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { Link } from 'react-router'
import { api, errorMessage } from '../api'
import type { SourceRecord } from '../bindings/SourceRecord'
import { AddFolder } from '../components/AddFolder'
import { SyncSettingsCard } from '../components/BackgroundSync'
import { ExportSnapshot } from '../components/ExportSnapshot'
import { OpenSnapshot } from '../components/OpenSnapshot'
import { AddRemote, RemoteSourceCard } from '../components/RemoteSource'
import { RemoveSource } from '../components/RemoveSource'
import { SnapshotSourceCard } from '../components/SnapshotSourceCard'
import { ProblemsByFile } from '../components/ProblemsByFile'
import { ProgressBar } from '../components/ProgressBar'
import { count, plural, timeAgo } from '../lib/format'
import type { IndexState } from '../lib/progress'
import { useIndexing } from '../lib/useIndexing'
import { useRemoteSync } from '../lib/useRemoteSync'
import { snapshotsApi } from '../snapshotsApi'
import { sourcesApi } from '../sourcesApi'

/** The folders and remote repositories Greenroom reads: add, remove, re-index or sync, and
 * what went wrong where. */
export function SourcesPage() {
  const sources = useQuery({ queryKey: ['sources'], queryFn: api.sources })
  const info = useQuery({ queryKey: ['app-info'], queryFn: api.appInfo })
  const snapshots = useQuery({ queryKey: ['snapshots'], queryFn: snapshotsApi.list })
  const indexing = useIndexing()
  const [activeSource, setActiveSource] = useState<number | 'all' | null>(null)
  const remote = useRemoteSync()
  const busy = indexing.running || remote.running
  const addRemote = async (url: string, branch: string | null) => {
    try {
      const source = await sourcesApi.addRemote(url, branch)
      await remote.sync(source.id)
    } catch (e) {
      remote.setError(errorMessage(e))
    }
  }
  const hasRemote = sources.data?.some((s) => s.kind === 'remote') ?? false

  const reindex = (sourceId: number | null) => {
    setActiveSource(sourceId ?? 'all')
    void indexing.run((onProgress) => api.index(sourceId, onProgress)).finally(() => setActiveSource(null))
  }
  const add = (path: string) => {
    setActiveSource('all')
    void indexing
      .run(async (onProgress) => {
        const source = await api.addFolder(path)
        return api.index(source.id, onProgress)
      })
      .finally(() => setActiveSource(null))
  }
  return (
    <div className="page" id="sources-page">
      <div className="page-head">
        <div>
          <h1>Sources</h1>
          <p>
            Folders of Git repositories, watched while Greenroom is open, and remote repositories, fetched into a
            local cache so they stay available offline.
            {info.data && <> Data lives in <span className="mono small">{info.data.dataDir}</span>.</>}
          </p>
        </div>
        <button className="button" onClick={() => reindex(null)} disabled={busy || !sources.data?.length} id="reindex-all">
          Re-index all
        </button>
      </div>
      <section className="card choice" style={{ marginBottom: 16 }}>
        <h2>Add a folder</h2>
        <div style={{ display: 'flex', gap: 10, alignItems: 'center' }}>
          <AddFolder disabled={indexing.running} onAdd={add} />
        </div>
      </section>
      <section className="card choice" style={{ marginBottom: 16 }} id="add-remote-section">
        <h2>Add a remote repository or organisation</h2>
        <p>
          A repository URL, or a whole GitHub organisation (https://github.com/ORG) or Azure DevOps project
          (https://dev.azure.com/ORG/PROJECT), listed again at each sync.
        </p>
        <AddRemote disabled={remote.running} onAdd={(url, branch) => void addRemote(url, branch)} />
      </section>
      <div className="grid two" style={{ marginBottom: 16 }}>
        <section className="card choice" id="open-snapshot-section">
          <h2>Open a snapshot</h2>
          <p>A catalog another team exported (a .greenroom file): it becomes its own source, replaced when you open a newer one.</p>
          <OpenSnapshot />
        </section>
        <section className="card choice" id="export-snapshot-section">
          <h2>Share this catalog</h2>
          <p>Export every source to one file that opens offline in any Greenroom.</p>
          <ExportSnapshot disabled={busy || !sources.data?.length} />
        </section>
      </div>
      {hasRemote && <SyncSettingsCard />}
      {remote.error && (
        <div className="notice error" role="alert" style={{ marginBottom: 16 }} id="remote-error">
          {remote.error}
        </div>
      )}
      {indexing.progress && activeSource === 'all' && (
        <div className="card" style={{ marginBottom: 16 }}>
          <ProgressBar state={indexing.progress} />
        </div>
      )}
      {indexing.error && (
        <div className="notice error" role="alert" style={{ marginBottom: 16 }}>
          {indexing.error}
        </div>
      )}
      <div className="grid">
        {sources.data?.map((source) =>
          source.kind === 'snapshot' ? (
            <SnapshotSourceCard
              key={source.id}
              source={source}
              snapshot={snapshots.data?.find((s) => s.source.id === source.id)}
              busy={busy}
            />
          ) : source.kind === 'remote' ? (
            <RemoteSourceCard
              key={source.id}
              source={source}
              busy={busy}
              progress={remote.progress[source.id] ?? null}
              onSync={() => void remote.sync(source.id)}
              onCancel={() => void sourcesApi.cancelSync()}
            />
          ) : (
            <SourceCard
              key={source.id}
              source={source}
              watched={info.data?.watchedSources.includes(source.id) ?? false}
              busy={indexing.running}
              progress={activeSource === source.id ? indexing.progress : null}
              onReindex={() => reindex(source.id)}
            />
          ),
        )}
        {sources.data?.length === 0 && <p className="muted">No sources yet: add a folder or a repository above.</p>}
      </div>
    </div>
  )
}

interface CardProps {
  source: SourceRecord
  watched: boolean
  busy: boolean
  progress: IndexState | null
  onReindex: () => void
}

function SourceCard({ source, watched, busy, progress, onReindex }: CardProps) {
  const [error, setError] = useState<string | null>(null)
  const problems = useQuery({
    queryKey: ['source-problems', source.id],
    queryFn: () => api.sourceProblems(source.id),
    enabled: source.error_count + source.warning_count > 0,
  })
  return (
    <section className="card source" aria-label={source.name} data-source={source.id}>
      <div className="source-head">
        <div>
          <h2>{source.name}</h2>
          <div className="mono small muted">{source.target}</div>
        </div>
        <div style={{ display: 'flex', gap: 8 }}>
          <button className="button" onClick={onReindex} disabled={busy}>
            Re-index
          </button>
          <RemoveSource source={source} disabled={busy} onError={setError} />
        </div>
      </div>
      <div className="source-stats">
        <span>
          <strong>{count(source.repo_count)}</strong> repositories
        </span>
        <Link to={`/?source=${source.id}`}>
          <strong>{count(source.entity_count)}</strong> entities
        </Link>
        <span className={source.error_count > 0 ? 'badge-error chip' : ''}>
          {plural(source.error_count, 'error', 'errors')}
        </span>
        <span>{plural(source.warning_count, 'warning', 'warnings')}</span>
        <span>{source.indexed_at ? `Indexed ${timeAgo(source.indexed_at)}` : 'Never indexed'}</span>
        <span>{watched ? 'Watching for changes' : 'Not watched'}</span>
      </div>
      {progress && <ProgressBar state={progress} />}
      {source.index_error && <div className="notice error">{source.index_error}</div>}
      {error && <div className="notice error">{error}</div>}
      {problems.data && problems.data.length > 0 && <ProblemsByFile problems={problems.data} />}
    </section>
  )
}
