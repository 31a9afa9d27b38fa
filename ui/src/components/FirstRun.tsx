import { api } from '../api'
import { firstRunBusy } from '../lib/flag'
import { useIndexing } from '../lib/useIndexing'
import { AddFolder } from './AddFolder'
import { OpenSnapshot } from './OpenSnapshot'
import { ProgressBar } from './ProgressBar'

/** The empty catalog: add your repositories, or look around a generated organisation. */
export function FirstRun() {
  const { run, progress, error, running } = useIndexing()
  const start = async (work: Parameters<typeof run>[0]) => {
    firstRunBusy.set(true)
    try {
      await run(work)
    } finally {
      firstRunBusy.set(false)
    }
  }
  const addFolder = (path: string) =>
    void start(async (onProgress) => {
      const source = await api.addFolder(path)
      return api.index(source.id, onProgress)
    })
  const demo = () => void start((onProgress) => api.createDemo(onProgress))
  return (
    <div className="welcome" id="first-run">
      <h1>Welcome to Greenroom</h1>
      <p>
        Your organisation's developer portal, on your machine and offline. Greenroom reads the Backstage
        descriptors (<code>catalog-info.yaml</code>) in your Git repositories: who owns a service, what it
        depends on, which APIs it provides.
      </p>
      <div className="choices">
        <section className="card choice">
          <h2>Add a folder of repositories</h2>
          <p>Every Git repository under the folder is found and indexed. Edits show up while Greenroom is open.</p>
          <AddFolder disabled={running} onAdd={addFolder} primary />
        </section>
        <section className="card choice" id="first-run-snapshot">
          <h2>Open a snapshot</h2>
          <p>
            Your team's catalog and docs in one <code>.greenroom</code> file: everything works offline, with no
            repository cloned.
          </p>
          <OpenSnapshot />
        </section>
        <section className="card choice">
          <h2>Explore a demo organisation</h2>
          <p>
            Greenroom generates a small company locally: teams and people, systems, 40 service repositories
            with APIs, and a few broken files to show how problems look.
          </p>
          <div className="row">
            <button className="button" onClick={demo} disabled={running} id="explore-demo">
              Explore a demo organisation
            </button>
          </div>
        </section>
      </div>
      <div style={{ marginTop: 22 }}>
        {progress && <ProgressBar state={progress} />}
        {error && (
          <div className="notice error" role="alert">
            {error}
          </div>
        )}
      </div>
    </div>
  )
}
