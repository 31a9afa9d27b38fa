// Words for the account menu: what a sign-in or an organisation sync is doing.
import type { OrgSyncStep } from '../bindings/OrgSyncStep'
import type { SignInStep } from '../bindings/SignInStep'

/** "AL" for Ada Lovelace; one letter for one name. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean)
  if (words.length === 0) return '?'
  const first = words[0][0] ?? ''
  const last = words.length > 1 ? (words[words.length - 1][0] ?? '') : ''
  return (first + last).toUpperCase()
}

/** What a sign-in step means for the person waiting. */
export function signInLabel(step: SignInStep | null): string {
  if (!step) return 'Starting…'
  switch (step.step) {
    case 'discovering':
      return 'Contacting the sign-in service…'
    case 'openingBrowser':
      return 'Opening your browser…'
    case 'waitingForBrowser':
      return `Finish signing in in your browser (waiting up to ${Math.round(step.timeoutSecs / 60)} minutes)…`
    case 'deviceCode':
    case 'waitingForApproval':
      return 'Waiting for you to enter the code…'
    case 'redeemingCode':
    case 'verifying':
      return 'Checking your sign-in…'
    case 'keyringUnavailable':
      return `No keyring: the sign-in will last until Greenroom closes (${step.reason})`
    case 'signedIn':
      return `Signed in as ${step.name}`
  }
}

/** What an organisation sync step means. */
export function orgSyncLabel(step: OrgSyncStep): string {
  switch (step.step) {
    case 'reading':
      return `Reading ${step.what}: ${step.count}`
    case 'members':
      return `Reading members: ${step.done} of ${step.total} groups`
    case 'writing':
      return 'Writing users and groups to the catalog…'
  }
}
