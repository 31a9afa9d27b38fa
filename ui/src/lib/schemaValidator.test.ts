import type { RJSFSchema } from '@rjsf/utils'
import { describe, expect, it } from 'vitest'
import { createSchemaValidator, propertyOf } from './schemaValidator'

const schema: RJSFSchema = {
  type: 'object',
  required: ['name', 'owner'],
  properties: {
    name: { type: 'string', pattern: '^[a-z][a-z0-9-]+$' },
    owner: { type: 'string' },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    repo: { type: 'object', required: ['url'], properties: { url: { type: 'string', minLength: 3 } } },
  },
}

describe('the form validator (no code generation)', () => {
  const validator = createSchemaValidator()

  it('files each problem under its field, with a message for people', () => {
    const { errors, errorSchema } = validator.validateFormData({ name: 'Bad Name', port: 70000, repo: { url: 'x' } }, schema)
    const byProperty = Object.fromEntries(errors.map((e) => [`${e.property}:${e.name}`, e.message]))
    expect(byProperty['.name:pattern']).toBe('Must match the pattern ^[a-z][a-z0-9-]+$')
    expect(byProperty['.owner:required']).toBe('Required')
    expect(byProperty['.port:maximum']).toBe('At most 65535')
    expect(byProperty['.repo.url:minLength']).toBe('At least 3 characters')
    // Only the failing leaves, not the "a property failed" wrappers.
    expect(errors.some((e) => e.name === 'properties')).toBe(false)
    expect(errorSchema).toHaveProperty(['owner', '__errors'], ['Required'])
  })

  it('passes valid answers and lets the caller drop or add errors', () => {
    expect(validator.validateFormData({ name: 'orders', owner: 'group:default/a', repo: { url: 'github.com?repo=x' } }, schema).errors).toEqual([])
    const named = createSchemaValidator<{ name?: string }>()
    const { errors } = named.validateFormData(
      { name: 'orders' },
      schema,
      (_data, handler) => {
        handler.name?.addError('Taken')
        return handler
      },
      (list) => list.filter((e) => e.name !== 'required'),
    )
    expect(errors.map((e) => e.stack)).toEqual(['.name Taken'])
  })

  it('tells which branch of a oneOf fits, as RJSF needs for dependencies', () => {
    const branch: RJSFSchema = { properties: { ci: { const: 'github' } } }
    expect(validator.isValid(branch, { ci: 'github' }, schema)).toBe(true)
    expect(validator.isValid(branch, { ci: 'none' }, schema)).toBe(false)
  })

  it('writes property paths as RJSF reads them', () => {
    expect(propertyOf('#/repo/url')).toBe('.repo.url')
    expect(propertyOf('#/first-name')).toBe("['first-name']")
    expect(propertyOf('#')).toBe('')
  })
})
