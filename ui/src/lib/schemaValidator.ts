// JSON Schema validation for the template forms without code generation. AJV (what
// @rjsf/validator-ajv8 uses) compiles each schema into a `new Function`, which the window's
// Content-Security-Policy (script-src 'self', no 'unsafe-eval') forbids, and template forms
// come from repositories at run time, so they cannot be precompiled at build time. This
// validator interprets the schema instead (@cfworker/json-schema); the Rust side checks the
// answers again (with the scaffolder's validator) before anything runs.
import { type OutputUnit, type Schema, Validator } from '@cfworker/json-schema'
import {
  type CustomValidator,
  type ErrorTransformer,
  type RJSFSchema,
  type RJSFValidationError,
  type UiSchema,
  type ValidationData,
  type ValidatorType,
  createErrorHandler,
  toErrorSchema,
  unwrapErrorHandler,
  validationDataMerge,
} from '@rjsf/utils'

/** Keywords whose failure only says that something inside failed; the inner error says what. */
const WRAPPERS = new Set([
  'properties',
  'items',
  'prefixItems',
  'additionalItems',
  'allOf',
  '$ref',
  'dependencies',
  'dependentSchemas',
  'if',
  'then',
  'else',
  'contains',
  'unevaluatedProperties',
  'unevaluatedItems',
  'patternProperties',
])

const validators = new WeakMap<object, Validator>()

function validatorFor(schema: RJSFSchema, rootSchema?: RJSFSchema): Validator {
  const cached = validators.get(schema)
  if (cached) return cached
  // `$ref`s point into the root schema's definitions; give the branch access to them.
  const withDefinitions =
    rootSchema && rootSchema !== schema && (rootSchema.definitions || rootSchema.$defs)
      ? { ...schema, definitions: rootSchema.definitions, $defs: rootSchema.$defs }
      : schema
  const validator = new Validator(withDefinitions as Schema, '7', false)
  validators.set(schema, validator)
  return validator
}

/** `#/repo/url` → `.repo.url`, the property notation RJSF files errors under. */
export function propertyOf(instanceLocation: string): string {
  const parts = instanceLocation
    .replace(/^#\/?/, '')
    .split('/')
    .filter((p) => p !== '')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
  return parts.map((p) => (/^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `['${p}']`)).join('')
}

/** What a person reads under the field. */
function messageOf(unit: OutputUnit, schemaAt: (location: string) => unknown): string {
  const at = schemaAt(unit.keywordLocation) as Record<string, unknown> | undefined
  switch (unit.keyword) {
    case 'required':
      return 'Required'
    case 'pattern':
      return `Must match the pattern ${String(at ?? '')}`.trim()
    case 'minLength':
      return `At least ${String(at)} characters`
    case 'maxLength':
      return `At most ${String(at)} characters`
    case 'minimum':
      return `At least ${String(at)}`
    case 'maximum':
      return `At most ${String(at)}`
    case 'type':
      return `Must be ${Array.isArray(at) ? at.join(' or ') : String(at)}`
    case 'enum':
      return 'Must be one of the choices'
    case 'format':
      return `Must be a valid ${String(at)}`
    default:
      return unit.error.replace(/^Instance /, 'The value ').replace(/\.$/, '')
  }
}

/** Turns the validator's output into RJSF's errors: one per failed leaf keyword. */
export function toValidationErrors(schema: RJSFSchema, units: OutputUnit[]): RJSFValidationError[] {
  const schemaAt = (location: string) =>
    location
      .replace(/^#\/?/, '')
      .split('/')
      .filter(Boolean)
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], schema)
  const errors: RJSFValidationError[] = []
  const seen = new Set<string>()
  for (const unit of units) {
    if (WRAPPERS.has(unit.keyword)) continue
    let property = propertyOf(unit.instanceLocation)
    let params: Record<string, unknown> = {}
    if (unit.keyword === 'required') {
      // The error is on the object; RJSF shows it on the missing property.
      const missing = /"([^"]+)"/.exec(unit.error)?.[1] ?? ''
      property = `${property}${propertyOf(`#/${missing.replace(/~/g, '~0').replace(/\//g, '~1')}`)}`
      params = { missingProperty: missing }
    }
    const message = messageOf(unit, schemaAt)
    const key = `${property}\u0000${unit.keyword}\u0000${message}`
    if (seen.has(key)) continue
    seen.add(key)
    errors.push({
      name: unit.keyword,
      property,
      message,
      params,
      schemaPath: unit.keywordLocation,
      stack: `${property || 'value'} ${message}`.trim(),
    })
  }
  return errors
}

/** RJSF's validator interface over an interpreting JSON Schema validator (draft 7). */
export function createSchemaValidator<T = unknown>(): ValidatorType<T> {
  const validator: ValidatorType<T> = {
    validateFormData(
      formData: T | undefined,
      schema: RJSFSchema,
      customValidate?: CustomValidator<T>,
      transformErrors?: ErrorTransformer<T>,
      uiSchema?: UiSchema<T>,
    ): ValidationData<T> {
      const raw = validator.rawValidation<OutputUnit>(schema, formData)
      let errors = toValidationErrors(schema, raw.errors ?? [])
      if (raw.validationError) {
        errors = [{ name: 'schema', message: raw.validationError.message, stack: raw.validationError.message }]
      }
      if (transformErrors) errors = transformErrors(errors, uiSchema)
      const result: ValidationData<T> = { errors, errorSchema: toErrorSchema<T>(errors) }
      if (!customValidate) return result
      const handler = customValidate(formData, createErrorHandler<T>(formData as T), uiSchema)
      return validationDataMerge<T>(result, unwrapErrorHandler<T>(handler))
    },
    isValid(schema: RJSFSchema, formData: T | undefined, rootSchema: RJSFSchema): boolean {
      try {
        return validatorFor(schema, rootSchema).validate(formData).valid
      } catch {
        return false
      }
    },
    rawValidation<Result = unknown>(schema: RJSFSchema, formData?: T) {
      try {
        const output = validatorFor(schema).validate(formData)
        return { errors: output.errors as Result[] }
      } catch (e) {
        return { errors: [] as Result[], validationError: e instanceof Error ? e : new Error(String(e)) }
      }
    },
  }
  return validator
}

/** The validator the wizard's forms use. */
export const schemaValidator = createSchemaValidator<Record<string, unknown>>()
