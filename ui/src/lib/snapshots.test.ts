import { describe, expect, it } from 'vitest'
import type { ImportReport } from '../bindings/ImportReport'
import type { SnapshotInfo } from '../bindings/SnapshotInfo'
import type { SnapshotSource } from '../bindings/SnapshotSource'
import {
  changeSummary,
  fileSize,
  foldSnapshotProgress,
  joinPath,
  newerImported,
  signatureLabel,
  suggestedFileName,
} from './snapshots'

const report = (over: Partial<ImportReport>): ImportReport => ({
  sourceId: 4,
  sourceName: 'Platform team snapshot, 2026-11-20',
  created: true,
  unchanged: false,
  origin: { id: 'platform', name: 'Platform team' },
  createdAt: 0,
  digest: 'abc',
  signature: { status: 'unsigned' },
  trusted: false,
  entities: 120,
  invalidEntities: 0,
  added: 120,
  updated: 0,
  removed: 0,
  shadowed: 0,
  overriding: 0,
  conflicts: [],
  docSites: 0,
  pages: 0,
  millis: 12,
  ...over,
})

describe('snapshot wording', () => {
  it('sums up what an import changed', () => {
    expect(changeSummary(report({}))).toBe(
      'Imported Platform team snapshot, 2026-11-20: 120 added, 0 updated, 0 removed, 0 conflicts.',
    )
    expect(
      changeSummary(report({ created: false, added: 2, updated: 1, removed: 3, conflicts: ['component:default/a'] })),
    ).toBe('Updated Platform team snapshot, 2026-11-20: 2 added, 1 updated, 3 removed, 1 conflict.')
    expect(changeSummary(report({ unchanged: true, created: false }))).toMatch(/^Nothing changed/)
  })

  it('names the signer and the key, or says it is not signed', () => {
    expect(signatureLabel({ status: 'unsigned' })).toBe('Not signed')
    expect(signatureLabel({ status: 'verified', keyId: '1A2B3C4D5E6F7081', signer: 'Platform team', publicKey: 'RW' })).toBe(
      'Signed by Platform team (key 1A2B3C4D5E6F7081)',
    )
  })

  it('writes sizes people read', () => {
    expect(fileSize(12)).toBe('12 bytes')
    expect(fileSize(2048)).toBe('2.0 KB')
    expect(fileSize(2_275_000)).toBe('2.2 MB')
    expect(fileSize(300 * 1024 * 1024)).toBe('300 MB')
  })

  it('suggests a dated file name in the chosen folder', () => {
    const day = new Date('2026-11-25T10:00:00Z')
    expect(suggestedFileName(false, day)).toBe('greenroom-catalog-2026-11-25.greenroom')
    expect(suggestedFileName(true, day)).toBe('greenroom-catalog-with-docs-2026-11-25.greenroom')
    expect(joinPath('/home/ada/Downloads', 'a.greenroom')).toBe('/home/ada/Downloads/a.greenroom')
    expect(joinPath('/home/ada/', 'a.greenroom')).toBe('/home/ada/a.greenroom')
  })

  it('follows an import through its steps', () => {
    let state = foldSnapshotProgress(null, { kind: 'reading' }, 'import')
    expect(state.label).toMatch(/checking the file/)
    state = foldSnapshotProgress(state, { kind: 'verified', entities: 1200, pages: 1 }, 'import')
    expect(state.label).toBe('Checked: 1,200 entities, 1 docs page. Validating…')
    state = foldSnapshotProgress(state, { kind: 'docs', done: 2, total: 5 }, 'import')
    expect(state).toEqual({ label: 'Writing docs sites…', done: 2, total: 5, unit: 'docs sites' })
    state = foldSnapshotProgress(state, { kind: 'writing' }, 'export')
    expect(state.label).toBe('Compressing and writing the file…')
  })
})

describe('going back to an older snapshot', () => {
  const info = { manifest: { origin: { id: 'platform', name: 'Platform' }, createdAt: 1000 } } as SnapshotInfo
  const imported = (id: string, createdAt: number) =>
    ({ snapshot: { origin: { id, name: id }, createdAt } }) as SnapshotSource

  it('finds the newer snapshot of the same publisher', () => {
    expect(newerImported(info, [imported('platform', 2000)])?.snapshot.createdAt).toBe(2000)
    expect(newerImported(info, [imported('platform', 500)])).toBeUndefined()
    expect(newerImported(info, [imported('someone-else', 5000)])).toBeUndefined()
  })
})
