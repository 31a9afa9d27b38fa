// The widgets the wizard registers with react-jsonschema-form, by the names
// `uiSchemaWithWidgets` gives Backstage's field extensions.
import type { RegistryWidgetsType } from '@rjsf/utils'
import { EntityNamePicker, EntityPicker, ListInput, OwnerPicker, RepoUrlPicker } from './TemplateWidgets'

export const templateWidgets: RegistryWidgetsType = {
  OwnerPicker,
  EntityPicker,
  EntityNamePicker,
  EntityTagsPicker: ListInput,
  MultiEntityPicker: ListInput,
  RepoUrlPicker,
}
