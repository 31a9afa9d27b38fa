import { useQuery } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { Link } from 'react-router'
import { errorMessage } from '../api'
import type { RemoteRepoRecord } from '../bindings/RemoteRepoRecord'
import type { SourceRecord } from '../bindings/SourceRecord'
import { bytes, count, plural, timeAgo } from '../lib/format'
import { hostsNeedingCredentials, lastSynced, reportSummary, shortCommit } from '../lib/remoteRepos'
import { type SourceProgress, fetching } from '../lib/syncProgress'
import { sourcesApi } from '../sourcesApi'
import { RemoveSource } from './RemoveSource'
import './RemoteSource.css'

/** Add a remote repository (or a GitHub organisation / Azure DevOps project) by its URL, optionally following a branch. */
export function AddRemote({ disabled, onAdd }: { disabled: boolean; onAdd: (url: string, branch: string | null) => void }) {
  const [url, setUrl] = useState('')
  const [branch, setBranch] = useState('')
  return (
    <form
      className="add-remote"
      onSubmit={(e) => {
        e.preventDefault()
        if (!url.trim()) return
        onAdd(url.trim(), branch.trim() || null)
        setUrl('')
        setBranch('')
      }}
    >
      <input
        type="text"
        id="remote-url"
        placeholder="https://git.example.com/team/service.git or git@host:team/service.git"
        aria-label="Repository or organisation URL"
        value={url}
        onChange={(e) => setUrl(e.target.value)}
        disabled={disabled}
      />
      <input
        type="text"
        id="remote-branch"
        className="branch"
        placeholder="branch (default)"
        aria-label="Branch"
        value={branch}
        onChange={(e) => setBranch(e.target.value)}
        disabled={disabled}
      />
      <button className="button" type="submit" id="add-remote" disabled={disabled || !url.trim()}>
        Add and sync
      </button>
    </form>
  )
}

interface CardProps {
  source: SourceRecord
  busy: boolean
  progress: SourceProgress | null
  onSync: () => void
  onCancel: () => void
}

/** The time now, renewed every `every` milliseconds, so "5 minutes ago" stays true. */
function useNow(every: number): number {
  const [now, setNow] = useState(Date.now)
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), every)
    return () => window.clearInterval(timer)
  }, [every])
  return now
}

/** A remote source: its repositories' state, sync now and cancel, credentials, remove. */
export function RemoteSourceCard({ source, busy, progress, onSync, onCancel }: CardProps) {
  const now = useNow(30_000)
  const [error, setError] = useState<string | null>(null)
  const repos = useQuery({ queryKey: ['remote-repos', source.id], queryFn: () => sourcesApi.remoteRepos(source.id) })
  const list = repos.data ?? []
  const synced = lastSynced(list)
  const branch = (source.settings as { branch?: string | null } | null)?.branch ?? null
  const report = progress && !progress.running ? progress.report : null
  const hosts = hostsNeedingCredentials(list, report)
  const running = progress?.running ?? false
  // The run whose cancel was asked for: a later run starts with its own Cancel button.
  const [cancelledRun, setCancelledRun] = useState(-1)
  const cancelling = running && progress?.run === cancelledRun
  return (
    <section className="card source remote" aria-label={source.name} data-source={source.id} data-kind="remote">
      <div className="source-head">
        <div>
          <h2>
            {source.name} <span className="chip">remote</span>
            {branch && <span className="chip mono">{branch}</span>}
          </h2>
          <div className="mono small muted">{source.target}</div>
        </div>
        <div style={{ display: 'flex', gap: 8 }}>
          {running ? (
            <button
              className="button"
              onClick={() => {
                setCancelledRun(progress?.run ?? -1)
                onCancel()
              }}
              disabled={cancelling}
              data-action="cancel-sync"
              title="Stops after the fetches under way answer; what was fetched is kept"
            >
              {cancelling ? 'Cancelling…' : 'Cancel'}
            </button>
          ) : (
            <button className="button" onClick={onSync} disabled={busy} data-action="sync">
              Sync now
            </button>
          )}
          <RemoveSource source={source} also="and the cache" disabled={busy} onError={setError} />
        </div>
      </div>
      <div className="source-stats">
        <span>
          <strong>{count(list.length)}</strong> {list.length === 1 ? 'repository' : 'repositories'}
        </span>
        <Link to={`/?source=${source.id}`}>
          <strong>{count(source.entity_count)}</strong> entities
        </Link>
        <span className={source.error_count > 0 ? 'badge-error chip' : ''}>{plural(source.error_count, 'error', 'errors')}</span>
        <span className="synced-at" title={synced ? new Date(synced).toLocaleString() : undefined}>
          {synced ? `Synced ${timeAgo(synced, now)}` : 'Never synced'}
        </span>
      </div>
      {progress?.running && <SyncBar progress={progress} />}
      {report && (
        <div className={`small ${report.failures.length || report.error ? 'notice warning' : 'muted'}`} data-report>
          {reportSummary(report)}
        </div>
      )}
      {hosts.map((host) => (
        <CredentialsPrompt key={host} host={host} onSaved={onSync} />
      ))}
      {error && <div className="notice error">{error}</div>}
      {list.length > 0 && <RepoTable repos={list} progress={progress} now={now} />}
    </section>
  )
}

function SyncBar({ progress }: { progress: SourceProgress }) {
  const now = fetching(progress)
  const fraction = progress.total ? Math.min(1, progress.done / progress.total) : 0
  return (
    <div role="progressbar" aria-valuemin={0} aria-valuemax={progress.total} aria-valuenow={progress.done} aria-label="Sync">
      <div className="small muted sync-label">
        <span>{now.length ? `Fetching ${now.slice(0, 2).join(', ')}${now.length > 2 ? ` and ${now.length - 2} more` : ''}` : 'Syncing…'}</span>
        <span>
          {progress.done} / {progress.total} repositories
        </span>
      </div>
      <div className={`progress${progress.total ? '' : ' indeterminate'}`}>
        <div style={{ width: `${fraction * 100}%` }} />
      </div>
    </div>
  )
}

function RepoTable({ repos, progress, now }: { repos: RemoteRepoRecord[]; progress: SourceProgress | null; now: number }) {
  return (
    <table className="repo-table" aria-label="Repositories">
      <thead>
        <tr>
          <th>Repository</th>
          <th>Commit</th>
          <th>Synced</th>
          <th>Entities</th>
          <th>State</th>
        </tr>
      </thead>
      <tbody>
        {repos.map((repo) => {
          const live = progress?.repos[repo.path]
          return (
            <tr key={repo.path} data-repo={repo.path}>
              <td className="mono small">
                {repo.url}
                {repo.branch && <span className="muted"> · {repo.branch}</span>}
              </td>
              <td className="mono small" title={repo.commit ?? undefined}>
                {shortCommit(repo.commit)}
              </td>
              <td className="small">{repo.syncedAt ? timeAgo(repo.syncedAt, now) : 'never'}</td>
              <td className="small">
                {repo.entityCount}
                {repo.problemErrors > 0 && <span className="chip badge-error">{plural(repo.problemErrors, 'error', 'errors')}</span>}
              </td>
              <td className="small repo-state">
                {live?.state === 'fetching' ? (
                  <span className="busy">
                    <span className="spinner" /> {live.totalObjects ? `${live.receivedObjects}/${live.totalObjects} objects, ${bytes(live.receivedBytes)}` : 'fetching…'}
                  </span>
                ) : repo.error ? (
                  <span className="repo-error" title={repo.error}>
                    {repo.error}
                  </span>
                ) : (
                  <span className="muted">ok</span>
                )}
              </td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}

/** "Needs credentials for HOST": a token for the host, kept in the OS keyring. */
function CredentialsPrompt({ host, onSaved }: { host: string; onSaved: () => void }) {
  const [username, setUsername] = useState('')
  const [token, setToken] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [saving, setSaving] = useState(false)
  const save = async () => {
    setSaving(true)
    setError(null)
    try {
      await sourcesApi.setGitToken(host, username.trim() || null, token)
      setToken('')
      onSaved()
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setSaving(false)
    }
  }
  return (
    <form
      className="credentials notice warning"
      data-host={host}
      onSubmit={(e) => {
        e.preventDefault()
        if (token.trim()) void save()
      }}
    >
      <div>
        <strong>{host} needs credentials.</strong> Give an access token (e.g. a personal access token with read access
        to the repositories). It is kept in your system's keyring, never in Greenroom's files.
      </div>
      <div className="row">
        <input
          type="text"
          aria-label={`User name for ${host}`}
          placeholder="user name (optional)"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          autoComplete="off"
        />
        <input
          type="password"
          aria-label={`Token for ${host}`}
          placeholder="token"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          autoComplete="off"
          data-field="token"
        />
        <button className="button primary" type="submit" disabled={saving || !token.trim()} data-action="save-token">
          Save and sync
        </button>
      </div>
      {error && <div className="small">{error}</div>}
    </form>
  )
}
