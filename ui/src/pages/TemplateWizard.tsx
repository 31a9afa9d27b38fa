import Form from '@rjsf/core'
import type { RJSFSchema, RJSFValidationError, UiSchema } from '@rjsf/utils'
import { useMutation, useQuery } from '@tanstack/react-query'
import { useEffect, useMemo, useRef, useState } from 'react'
import { Link, useNavigate, useParams } from 'react-router'
import { api, errorMessage } from '../api'
import type { DryRun } from '../bindings/DryRun'
import type { Plan } from '../bindings/Plan'
import type { RunOutcome } from '../bindings/RunOutcome'
import type { TemplateDetails } from '../bindings/TemplateDetails'
import type { TemplateProgress } from '../bindings/TemplateProgress'
import { CodeBlock } from '../components/CodeBlock'
import type { WizardContext } from '../components/TemplateWidgets'
import { templateWidgets } from '../components/templateWidgetRegistry'
import { createApi } from '../createApi'
import { entityPath } from '../lib/refs'
import { schemaValidator } from '../lib/schemaValidator'
import { type Values, remoteOf, reviewRows, splitSecrets, targetFolder, uiSchemaWithWidgets, valueAt } from '../lib/templateForm'
import { type RunLogStep, foldRunLog } from '../lib/runLog'
import '../create.css'

type Stage = { kind: 'form'; page: number } | { kind: 'review' } | { kind: 'preview' } | { kind: 'run' }

/** The wizard: the template's form pages, a review, a dry-run preview, then the run. */
export function TemplateWizard() {
  const { namespace = 'default', name = '' } = useParams()
  const ref = `template:${namespace}/${name}`
  const details = useQuery({ queryKey: ['template', ref], queryFn: () => createApi.form(ref) })
  const sources = useQuery({ queryKey: ['sources'], queryFn: api.sources })
  if (details.isError) {
    return (
      <div className="page">
        <div className="notice error" role="alert">{errorMessage(details.error)}</div>
        <Link to="/create">Back to the templates</Link>
      </div>
    )
  }
  if (!details.data || !sources.data) return <div className="page muted">Loading the template…</div>
  const folder = sources.data.find((s) => s.kind === 'folder')?.target ?? ''
  return <Wizard key={ref} details={details.data} defaultFolder={folder} />
}

function Wizard({ details, defaultFolder }: { details: TemplateDetails; defaultFolder: string }) {
  const { summary, form } = details
  const pages = form.pages
  const [stage, setStage] = useState<Stage>(pages.length > 0 ? { kind: 'form', page: 0 } : { kind: 'review' })
  const [values, setValues] = useState<Values>({})
  const [parentFolder, setParentFolder] = useState(defaultFolder)
  const [target, setTarget] = useState<string | null>(null)
  const [skipOffline, setSkipOffline] = useState(false)
  const context: WizardContext = useMemo(() => ({ parentFolder, setParentFolder }), [parentFolder])
  const folder = target ?? targetFolder(parentFolder, pages, values, summary.name)
  const steps = ['Choose', ...pages.map((p, i) => p.title ?? `Page ${i + 1}`), 'Review', 'Create']
  const current = stage.kind === 'form' ? stage.page + 1 : stage.kind === 'run' ? steps.length - 1 : steps.length - 2
  return (
    <div className="page wizard" id="wizard" data-template={summary.entityRef}>
      <header className="wizard-head">
        <div className="muted small">
          <Link to="/create">Create</Link> › {summary.title}
        </div>
        <h1>{summary.title}</h1>
        {summary.description && <p className="muted">{summary.description}</p>}
      </header>
      <ol className="wizard-steps" aria-label="Steps">
        {steps.map((label, i) => (
          <li key={i} className={i === current ? 'current' : i < current ? 'done' : undefined}>
            {label}
          </li>
        ))}
      </ol>
      {stage.kind === 'form' && (
        <FormPageView
          key={stage.page}
          details={details}
          index={stage.page}
          values={values}
          context={context}
          onBack={() => (stage.page === 0 ? history.back() : setStage({ kind: 'form', page: stage.page - 1 }))}
          onNext={(next) => {
            setValues(next)
            setStage(stage.page + 1 < pages.length ? { kind: 'form', page: stage.page + 1 } : { kind: 'review' })
          }}
        />
      )}
      {stage.kind === 'review' && (
        <Review
          details={details}
          values={values}
          folder={folder}
          onFolder={setTarget}
          skipOffline={skipOffline}
          onSkipOffline={setSkipOffline}
          onBack={() => setStage(pages.length > 0 ? { kind: 'form', page: pages.length - 1 } : { kind: 'review' })}
          onPreview={() => setStage({ kind: 'preview' })}
          onCreate={() => setStage({ kind: 'run' })}
        />
      )}
      {stage.kind === 'preview' && (
        <Preview
          details={details}
          values={values}
          skipOffline={skipOffline}
          onBack={() => setStage({ kind: 'review' })}
          onCreate={() => setStage({ kind: 'run' })}
        />
      )}
      {stage.kind === 'run' && (
        <Run details={details} values={values} folder={folder} skipOffline={skipOffline} onBack={() => setStage({ kind: 'review' })} />
      )}
    </div>
  )
}

const validator = schemaValidator

function FormPageView({
  details,
  index,
  values,
  context,
  onBack,
  onNext,
}: {
  details: TemplateDetails
  index: number
  values: Values
  context: WizardContext
  onBack: () => void
  onNext: (values: Values) => void
}) {
  const page = details.form.pages[index]
  const uiSchema = useMemo(() => uiSchemaWithWidgets(page) as UiSchema, [page])
  const [data, setData] = useState<Values>(values)
  // Required fields say so once touched or once Next was pressed, not while the page is new.
  const touched = useRef(new Set<string>())
  const submitted = useRef(false)
  const transformErrors = (errors: RJSFValidationError[]) =>
    errors.filter((e) => e.name !== 'required' || submitted.current || touched.current.has(e.property ?? ''))
  return (
    <section className="card wizard-page" aria-label={page.title ?? 'Form'}>
      {page.title && <h2>{page.title}</h2>}
      {page.description && <p className="muted">{page.description}</p>}
      <Form
        schema={page.schema as RJSFSchema}
        uiSchema={{ ...uiSchema, 'ui:submitButtonOptions': { norender: true } }}
        formData={data}
        validator={validator}
        widgets={templateWidgets}
        formContext={context}
        liveValidate="onChange"
        showErrorList={false}
        noHtml5Validate
        transformErrors={transformErrors}
        idPrefix="field"
        onChange={(event, id) => {
          if (id) touched.current.add(`.${id.replace(/^field_/, '').replace(/_/g, '.')}`)
          setData((old) => ({ ...old, ...(event.formData as Values) }))
        }}
        onBlur={(id) => touched.current.add(`.${id.replace(/^field_/, '').replace(/_/g, '.')}`)}
        onSubmit={(event) => onNext({ ...data, ...(event.formData as Values) })}
      >
        <div className="wizard-actions">
          <button type="button" className="button" onClick={onBack}>
            Back
          </button>
          <button type="submit" className="button primary" id="wizard-next" onClick={() => (submitted.current = true)}>
            Next
          </button>
        </div>
      </Form>
    </section>
  )
}

function Review({
  details,
  values,
  folder,
  onFolder,
  skipOffline,
  onSkipOffline,
  onBack,
  onPreview,
  onCreate,
}: {
  details: TemplateDetails
  values: Values
  folder: string
  onFolder: (folder: string) => void
  skipOffline: boolean
  onSkipOffline: (skip: boolean) => void
  onBack: () => void
  onPreview: () => void
  onCreate: () => void
}) {
  const ref = details.summary.entityRef
  const { parameters } = splitSecrets(details.form.pages, values)
  const check = useQuery<Plan>({ queryKey: ['template-check', ref, parameters], queryFn: () => createApi.check(ref, parameters) })
  const rows = reviewRows(details.form.pages, values)
  const repoField = details.form.pages.flatMap((p) => p.fields).find((f) => f.widget.kind === 'repoUrlPicker')
  const remote = repoField ? remoteOf(valueAt(values, repoField.path)) : null
  const problems = check.data?.problems ?? []
  const offline = check.data?.offline ?? []
  const blocked = problems.length > 0 || (offline.length > 0 && !skipOffline) || !folder.startsWith('/')
  return (
    <section className="card" id="wizard-review" aria-label="Review">
      <h2>Review</h2>
      <table className="review-table">
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              <th>{row.label}</th>
              <td className="mono">{row.value}</td>
              <td className="muted small">{row.page}</td>
            </tr>
          ))}
          <tr>
            <th>Folder</th>
            <td colSpan={2}>
              <input id="wizard-target" className="mono wide" value={folder} onChange={(e) => onFolder(e.target.value)} />
            </td>
          </tr>
          {remote && (
            <tr>
              <th>Remote</th>
              <td className="mono" colSpan={2}>
                {remote} <span className="muted small">(set as origin; nothing is pushed)</span>
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {problems.length > 0 && (
        <div className="notice error" id="wizard-problems">
          <strong>The answers do not fit the form:</strong>
          <ul>
            {problems.map((p, i) => (
              <li key={i}>
                {p.pointer || '(form)'}: {p.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      <h3 className="wizard-subhead">Steps</h3>
      <ol className="plan-steps">
        {(check.data?.steps ?? details.steps).map((step) => (
          <li key={step.id}>
            {step.name} <span className="muted small mono">{step.action}</span>
            {step.conditional && <span className="chip">if</span>}
            {step.unavailable && <span className="chip badge-warning" title={step.unavailable}>not available offline</span>}
          </li>
        ))}
      </ol>
      {offline.length > 0 && (
        <label className="notice warning">
          <input type="checkbox" checked={skipOffline} onChange={(e) => onSkipOffline(e.target.checked)} /> Skip the {offline.length}{' '}
          {offline.length === 1 ? 'step' : 'steps'} that cannot run offline (the run log lists them)
        </label>
      )}
      <div className="wizard-actions">
        <button className="button" onClick={onBack}>
          Back
        </button>
        <span className="spacer" />
        <button className="button" id="wizard-preview" disabled={problems.length > 0 || (offline.length > 0 && !skipOffline)} onClick={onPreview}>
          Preview files
        </button>
        <button className="button primary" id="wizard-create" disabled={blocked || !check.data} onClick={onCreate}>
          Create
        </button>
      </div>
    </section>
  )
}

function Preview({
  details,
  values,
  skipOffline,
  onBack,
  onCreate,
}: {
  details: TemplateDetails
  values: Values
  skipOffline: boolean
  onBack: () => void
  onCreate: () => void
}) {
  const ref = details.summary.entityRef
  const { parameters, secrets } = splitSecrets(details.form.pages, values)
  const dry = useQuery<DryRun>({
    queryKey: ['template-preview', ref, parameters, skipOffline],
    queryFn: () => createApi.preview(ref, parameters, secrets, skipOffline, () => {}),
    staleTime: Infinity,
  })
  const files = dry.data?.files.filter((f) => f.kind !== 'dir') ?? []
  const [chosen, setChosen] = useState<string | null>(null)
  const shown = files.find((f) => f.path === chosen) ?? files.find((f) => /(^|\/)catalog-info\.yaml$/.test(f.path)) ?? files[0]
  return (
    <section className="card" id="wizard-preview-files" aria-label="Preview">
      <h2>Preview</h2>
      <p className="muted small">A dry run: the template ran into a temporary folder; nothing was written to the target.</p>
      {dry.isError && <div className="notice error">{errorMessage(dry.error)}</div>}
      {!dry.data && !dry.isError && <div className="muted">Rendering the files…</div>}
      {dry.data && (
        <div className="preview-layout">
          <ul className="file-tree" aria-label="Files">
            {dry.data.files.map((f) => {
              const depth = f.path.split('/').length - 1
              const leaf = f.path.split('/').pop()
              return (
                <li key={f.path} style={{ paddingLeft: depth * 14 }}>
                  {f.kind === 'dir' ? (
                    <span className="muted">{leaf}/</span>
                  ) : (
                    <button className={`file-link${shown?.path === f.path ? ' selected' : ''}`} data-path={f.path} onClick={() => setChosen(f.path)}>
                      {leaf}
                      {f.executable && <span className="muted small"> (executable)</span>}
                    </button>
                  )}
                </li>
              )
            })}
          </ul>
          <div className="preview-file">
            {shown && (
              <>
                <div className="mono small muted" id="preview-path">{shown.path}</div>
                {shown.content !== undefined ? (
                  <CodeBlock text={shown.content} language={languageOf(shown.path)} id="preview-content" />
                ) : (
                  <p className="muted">{shown.kind === 'binary' ? `Binary file, ${shown.size} bytes.` : shown.linkTarget ? `Link to ${shown.linkTarget}` : ''}</p>
                )}
              </>
            )}
          </div>
        </div>
      )}
      {dry.data && dry.data.skippedActions.length > 0 && (
        <p className="muted small">Skipped: {dry.data.skippedActions.map((s) => `${s.step} (${s.action})`).join(', ')}</p>
      )}
      <div className="wizard-actions">
        <button className="button" onClick={onBack}>
          Back
        </button>
        <span className="spacer" />
        <button className="button primary" id="wizard-create" disabled={!dry.data} onClick={onCreate}>
          Create
        </button>
      </div>
    </section>
  )
}

function languageOf(path: string): 'yaml' | 'json' | 'text' {
  const ext = path.split('.').pop()?.toLowerCase()
  return ext === 'yaml' || ext === 'yml' ? 'yaml' : ext === 'json' ? 'json' : 'text'
}

function Run({ details, values, folder, skipOffline, onBack }: { details: TemplateDetails; values: Values; folder: string; skipOffline: boolean; onBack: () => void }) {
  const navigate = useNavigate()
  const ref = details.summary.entityRef
  const [log, setLog] = useState<RunLogStep[]>([])
  // A mutation, not a query: the catalog's change events refresh every query, and a run
  // must happen once.
  const run = useMutation<RunOutcome>({
    mutationFn: () => {
      const { parameters, secrets } = splitSecrets(details.form.pages, values)
      return createApi.run(ref, parameters, secrets, folder, skipOffline, (event: TemplateProgress) => setLog((old) => foldRunLog(old, event)))
    },
  })
  const started = useRef(false)
  const { mutate } = run
  useEffect(() => {
    if (started.current) return
    started.current = true
    mutate()
  }, [mutate])
  const outcome = run.data
  const [cancelling, setCancelling] = useState(false)
  const cancel = async () => {
    setCancelling(true)
    await createApi.cancelRun().catch(() => false)
  }
  return (
    <section className="card" id="wizard-run" aria-label="Run">
      <div className="run-head" style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
        <h2>{outcome ? 'Created' : run.isError ? 'The run stopped' : 'Creating…'}</h2>
        {run.isPending && (
          <button className="button" id="cancel-run" disabled={cancelling} onClick={() => void cancel()}>
            {cancelling ? 'Stopping after this step…' : 'Cancel'}
          </button>
        )}
      </div>
      <ol className="run-log" id="run-log">
        {log.map((step) => (
          <li key={step.id} className={`run-step ${step.status}`} data-step={step.id}>
            <div className="run-step-head">
              <span className="run-status" aria-label={step.status}>
                {step.status === 'done' ? '✓' : step.status === 'skipped' ? '–' : <span className="spinner" />}
              </span>
              <strong>{step.name}</strong> <span className="muted small mono">{step.action}</span>
              {step.note && <span className="muted small"> · {step.note}</span>}
            </div>
            {step.lines.length > 0 && step.lines.length <= 4 && <pre className="run-lines">{step.lines.join('\n')}</pre>}
            {step.lines.length > 4 && (
              <details className="run-details">
                <summary className="small muted">
                  {step.lines[step.lines.length - 1]} ({step.lines.length} lines)
                </summary>
                <pre className="run-lines">{step.lines.join('\n')}</pre>
              </details>
            )}
          </li>
        ))}
      </ol>
      {run.isError && (
        <>
          <div className="notice error" role="alert" id="run-error">{errorMessage(run.error)}</div>
          <div className="wizard-actions">
            <button className="button" onClick={onBack}>Back to the review</button>
          </div>
        </>
      )}
      {outcome && (
        <div className="run-outcome" id="run-outcome">
          <p>
            The project is in <span className="mono" id="run-target">{outcome.target}</span>.
          </p>
          <div className="link-list">
            <button className="button" id="open-project-folder" onClick={() => void createApi.openFolder(outcome.target)}>
              Open folder
            </button>
            {outcome.createdEntities.map((entity) => (
              <button key={entity} className="button primary" data-open-entity={entity} onClick={() => navigate(entityPath(entity))}>
                Open {entity}
              </button>
            ))}
            {outcome.output.links.map((link, i) => {
              if (link.entityRef) {
                if (outcome.createdEntities.includes(link.entityRef.toLowerCase())) return null
                return (
                  <button key={i} className="button" onClick={() => navigate(entityPath(link.entityRef!.toLowerCase()))}>
                    {link.title ?? link.entityRef}
                  </button>
                )
              }
              if (link.url && /^https?:/i.test(link.url)) {
                return (
                  <button key={i} className="button" title={link.url} onClick={() => void api.openLink(link.url!)}>
                    {link.title ?? link.url} ↗
                  </button>
                )
              }
              return link.url ? (
                <span key={i} className="chip mono" title={link.title ?? undefined}>
                  {link.title ? `${link.title}: ` : ''}
                  {link.url}
                </span>
              ) : null
            })}
          </div>
          {outcome.output.text.map((text, i) => (
            <div key={i} className="run-text">
              {text.title && <h3>{text.title}</h3>}
              {text.content && <pre>{text.content}</pre>}
            </div>
          ))}
          {outcome.skippedActions.length > 0 && (
            <p className="muted small">Skipped (not available offline): {outcome.skippedActions.map((s) => `${s.step} (${s.action})`).join(', ')}</p>
          )}
          {outcome.warnings.map((w, i) => (
            <div key={i} className="notice warning">{w}</div>
          ))}
        </div>
      )}
    </section>
  )
}
