import { useQuery, useQueryClient } from '@tanstack/react-query'
import { listen } from '@tauri-apps/api/event'
import { useEffect, useState } from 'react'
import { errorMessage, isCommandError } from '../api'
import { accountApi } from '../accountApi'
import type { AccountStatus } from '../bindings/AccountStatus'
import type { OrgSyncReport } from '../bindings/OrgSyncReport'
import type { SignedInUser } from '../bindings/SignedInUser'
import type { SignInMethod } from '../bindings/SignInMethod'
import type { SignInStep } from '../bindings/SignInStep'
import { copyText } from '../lib/clipboard'
import { initials, orgSyncLabel, signInLabel } from '../lib/account'
import './AccountMenu.css'

/** The account menu in the sidebar: sign in, who is signed in, sign out, organisation sync. */
export function AccountMenu() {
  const client = useQueryClient()
  const [open, setOpen] = useState(false)
  const status = useQuery({ queryKey: ['account'], queryFn: accountApi.status })

  useEffect(() => {
    if (!('__TAURI_INTERNALS__' in window)) return
    const stop = listen('account-changed', () => void client.invalidateQueries({ queryKey: ['account'] }))
    return () => void stop.then((unlisten) => unlisten())
  }, [client])
  useEffect(() => {
    if (!open) return
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setOpen(false)
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [open])

  const session = status.data?.session
  const user = session && 'user' in session ? session.user : null
  const attention = session?.state === 'expired' || session?.state === 'offline'
  return (
    <div className="account">
      {open && status.data && (
        <div className="account-panel card" id="account-panel" role="dialog" aria-label="Account">
          <AccountPanel status={status.data} />
        </div>
      )}
      <button
        className={`account-button${attention ? ' attention' : ''}`}
        id="account-button"
        aria-expanded={open}
        onClick={() => {
          // Opening asks afresh: the settings file may have been edited meanwhile.
          if (!open) void status.refetch()
          setOpen(!open)
        }}
      >
        <span className="avatar" aria-hidden>
          {user ? initials(user.name) : '?'}
        </span>
        <span className="account-label">
          <strong>{user ? user.name : 'Not signed in'}</strong>
          <span>{buttonHint(status.data)}</span>
        </span>
      </button>
    </div>
  )
}

function buttonHint(status: AccountStatus | undefined): string {
  if (!status) return ''
  if (status.signingIn) return 'Signing in…'
  switch (status.session.state) {
    case 'notConfigured':
      return 'Sign-in not set up'
    case 'signedOut':
      return 'Sign in'
    case 'resuming':
      return 'Resuming…'
    case 'signedIn':
      return 'Signed in'
    case 'expired':
      return 'Session ended'
    case 'offline':
      return 'Offline'
  }
}

function AccountPanel({ status }: { status: AccountStatus }) {
  const client = useQueryClient()
  const [step, setStep] = useState<SignInStep | null>(null)
  const [device, setDevice] = useState<Extract<SignInStep, { step: 'deviceCode' }> | null>(null)
  const [signingIn, setSigningIn] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const session = status.session

  const signIn = async (method: SignInMethod) => {
    setSigningIn(true)
    setError(null)
    setStep(null)
    setDevice(null)
    try {
      await accountApi.signIn(method, (s) => {
        setStep(s)
        if (s.step === 'deviceCode') setDevice(s)
      })
    } catch (e) {
      // A cancelled sign-in needs no message: the person asked for it.
      if (!(isCommandError(e) && e.detail === 'auth.cancelled')) setError(errorMessage(e))
    } finally {
      setSigningIn(false)
      setDevice(null)
      await client.invalidateQueries({ queryKey: ['account'] })
    }
  }

  if (signingIn || status.signingIn) {
    return (
      <div id="sign-in-progress">
        <h2>Signing in</h2>
        {device ? (
          <div className="device-code">
            <p>
              Open <a href={device.verificationUri} id="device-url">{device.verificationUri}</a> on any device and enter
              this code:
            </p>
            <div className="code-row">
              <code id="device-code">{device.userCode}</code>
              <button className="button small" onClick={() => void copyText(device.userCode)}>
                Copy
              </button>
            </div>
            <p className="muted small">The code expires in {Math.round(device.expiresInSecs / 60)} minutes.</p>
          </div>
        ) : null}
        <p className="busy" id="sign-in-step" role="status">
          <span className="spinner" /> {signInLabel(step)}
        </p>
        <button className="button ghost" id="sign-in-cancel" onClick={() => void accountApi.cancelSignIn()}>
          Cancel
        </button>
      </div>
    )
  }

  const signInButtons = (
    <div className="account-actions">
      <button className="button primary" id="sign-in-browser" onClick={() => void signIn('browser')}>
        Sign in with Microsoft
      </button>
      <button className="button ghost" id="sign-in-device" onClick={() => void signIn('deviceCode')}>
        Use a code instead
      </button>
    </div>
  )
  const failure = error && (
    <div className="notice error small" role="alert" id="sign-in-error">
      {error}
    </div>
  )

  switch (session.state) {
    case 'notConfigured':
      return (
        <div id="account-not-configured">
          <h2>Sign-in is not set up</h2>
          <p className="small">
            Greenroom works fully without signing in. To sign in with your organisation's Microsoft Entra ID, add
            its app registration to the settings file:
          </p>
          <pre className="settings-sample">{`[auth]\ntenant = "<directory (tenant) ID>"\nclient_id = "<application (client) ID>"`}</pre>
          <p className="muted small">
            in <span className="mono">{status.settingsPath}</span>. The README says how to register Greenroom in Entra
            ID.
          </p>
          <p className="muted small">{session.problem}</p>
        </div>
      )
    case 'signedOut':
      return (
        <div id="account-signed-out">
          <h2>Sign in</h2>
          <p className="small">
            Signing in tells Greenroom who you are and brings your organisation's people and teams into the catalog.
            Everything else works without it.
          </p>
          {signInButtons}
          {failure}
        </div>
      )
    case 'resuming':
      return (
        <div>
          <Who user={session.user} />
          <p className="busy small" role="status">
            <span className="spinner" /> Resuming your session…
          </p>
        </div>
      )
    case 'expired':
      return (
        <div id="account-expired">
          {session.user && <Who user={session.user} />}
          <div className="notice small">
            <strong>Your session has ended.</strong> Sign in again to sync your organisation; the catalog keeps working
            meanwhile.
            <div className="muted">{session.reason}</div>
          </div>
          {signInButtons}
          {failure}
        </div>
      )
    case 'offline':
      return (
        <div id="account-offline">
          <Who user={session.user} />
          <div className="notice small">
            The sign-in service cannot be reached, so your session is not confirmed. Greenroom works offline; try again
            when you are back online.
            <div className="muted">{session.reason}</div>
          </div>
          {signInButtons}
          {failure}
        </div>
      )
    case 'signedIn':
      return (
        <div id="account-signed-in">
          <Who user={session.user} />
          {!session.remembered && (
            <p className="notice warning small">
              This sign-in lasts until Greenroom closes: {session.storageNote ?? 'no keyring is available'}.
            </p>
          )}
          <OrgSync />
          <div className="account-actions">
            <button className="button ghost danger" id="sign-out" onClick={() => void signOut(client)}>
              Sign out
            </button>
          </div>
        </div>
      )
  }
}

async function signOut(client: ReturnType<typeof useQueryClient>) {
  await accountApi.signOut().catch(() => undefined)
  await client.invalidateQueries({ queryKey: ['account'] })
}

function Who({ user }: { user: SignedInUser }) {
  return (
    <dl className="who">
      <dt>Name</dt>
      <dd id="account-name">{user.name}</dd>
      {user.username && (
        <>
          <dt>Account</dt>
          <dd className="small">{user.username}</dd>
        </>
      )}
      <dt>Tenant</dt>
      <dd className="mono small" id="account-tenant">
        {user.tenantId}
      </dd>
      {user.entity && (
        <>
          <dt>In the catalog</dt>
          <dd className="small">
            <a href={`#/entity/${user.entity.replace(':', '/')}`}>{user.entity}</a>
          </dd>
        </>
      )}
    </dl>
  )
}

function OrgSync() {
  const client = useQueryClient()
  const [running, setRunning] = useState(false)
  const [label, setLabel] = useState('')
  const [report, setReport] = useState<OrgSyncReport | null>(null)
  const [error, setError] = useState<string | null>(null)
  const sync = async () => {
    setRunning(true)
    setError(null)
    setReport(null)
    try {
      setReport(await accountApi.syncOrg((step) => setLabel(orgSyncLabel(step))))
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setRunning(false)
      await client.invalidateQueries()
    }
  }
  return (
    <div className="org-sync">
      <button className="button" id="sync-org" onClick={() => void sync()} disabled={running}>
        Sync organisation
      </button>
      {running && (
        <p className="busy small" role="status">
          <span className="spinner" /> {label || 'Asking Microsoft Graph…'}
        </p>
      )}
      {report && (
        <p className="small" id="org-sync-result">
          {report.entities} users and groups: {report.stats.added} added, {report.stats.updated} updated,{' '}
          {report.stats.removed} removed.
          {report.partialReason && <span className="muted"> Only your own part was read: {report.partialReason}</span>}
        </p>
      )}
      {error && (
        <div className="notice error small" role="alert">
          {error}
        </div>
      )}
    </div>
  )
}
