// Typed calls for the Create page and the template wizard.
import { Channel, invoke } from '@tauri-apps/api/core'
import type { DryRun } from './bindings/DryRun'
import type { Plan } from './bindings/Plan'
import type { RunOutcome } from './bindings/RunOutcome'
import type { TemplateDetails } from './bindings/TemplateDetails'
import type { TemplateList } from './bindings/TemplateList'
import type { TemplateProgress } from './bindings/TemplateProgress'

type Values = Record<string, unknown>

export const createApi = {
  templates: () => invoke<TemplateList>('list_templates'),
  form: (template: string) => invoke<TemplateDetails>('template_form', { template }),
  check: (template: string, values: Values) => invoke<Plan>('check_template_values', { template, values }),
  preview: (template: string, values: Values, secrets: Values, skipOffline: boolean, onProgress: (p: TemplateProgress) => void) => {
    // The channel exists before the command starts, so no step is missed.
    const channel = new Channel<TemplateProgress>()
    channel.onmessage = onProgress
    return invoke<DryRun>('preview_template', { template, values, secrets, skipOffline, onProgress: channel })
  },
  cancelRun: () => invoke<boolean>('cancel_template_run'),
  run: (template: string, values: Values, secrets: Values, target: string, skipOffline: boolean, onProgress: (p: TemplateProgress) => void) => {
    const channel = new Channel<TemplateProgress>()
    channel.onmessage = onProgress
    return invoke<RunOutcome>('run_template', { template, values, secrets, target, skipOffline, onProgress: channel })
  },
  pickFolder: () => invoke<string | null>('pick_target_folder'),
  openFolder: (path: string) => invoke<void>('open_project_folder', { path }),
}
