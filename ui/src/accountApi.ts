// Typed calls to the account commands (sign-in, who is signed in, the organisation's sync).
// Tokens never come here: the shell keeps them in the OS keyring.
import { Channel, invoke } from '@tauri-apps/api/core'
import type { AccountStatus } from './bindings/AccountStatus'
import type { OrgSyncReport } from './bindings/OrgSyncReport'
import type { OrgSyncStep } from './bindings/OrgSyncStep'
import type { SignedInUser } from './bindings/SignedInUser'
import type { SignInMethod } from './bindings/SignInMethod'
import type { SignInStep } from './bindings/SignInStep'

export const accountApi = {
  status: () => invoke<AccountStatus>('account_status'),
  signIn: (method: SignInMethod, onStep: (step: SignInStep) => void) => {
    // The channel exists before the command starts, so the device code is never missed.
    const channel = new Channel<SignInStep>()
    channel.onmessage = onStep
    return invoke<SignedInUser>('sign_in', { method, onProgress: channel })
  },
  cancelSignIn: () => invoke<void>('cancel_sign_in'),
  signOut: () => invoke<void>('sign_out'),
  syncOrg: (onStep: (step: OrgSyncStep) => void) => {
    const channel = new Channel<OrgSyncStep>()
    channel.onmessage = onStep
    return invoke<OrgSyncReport>('sync_org', { onProgress: channel })
  },
}
