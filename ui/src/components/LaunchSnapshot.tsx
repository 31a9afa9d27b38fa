import { listen } from '@tauri-apps/api/event'
import { useEffect, useRef, useState } from 'react'
import { snapshotsApi } from '../snapshotsApi'
import { OpenSnapshot } from './OpenSnapshot'

/** When Greenroom was opened with a `.greenroom` file (a double-click, also while it runs), a
 * dialog that checks it and offers to import it. Escape or Close dismisses it. */
export function LaunchSnapshot() {
  const [path, setPath] = useState<string | null>(null)
  const dialog = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    if (!('__TAURI_INTERNALS__' in window)) return
    const take = () =>
      void snapshotsApi
        .launchSnapshot()
        .then((launched) => launched && setPath(launched))
        .catch(() => undefined)
    take()
    // Opening another file while Greenroom runs hands it to this window.
    const stop = listen('snapshot-launched', take)
    return () => void stop.then((unlisten) => unlisten())
  }, [])
  useEffect(() => {
    if (path && dialog.current && !dialog.current.open) dialog.current.showModal()
  }, [path])
  if (!path) return null
  return (
    <dialog ref={dialog} className="snapshot-dialog" id="launch-snapshot" aria-labelledby="launch-snapshot-title" onClose={() => setPath(null)}>
      <h2 id="launch-snapshot-title" style={{ marginTop: 0 }}>
        Open this snapshot?
      </h2>
      <OpenSnapshot key={path} initialPath={path} />
      <div className="row" style={{ display: 'flex', justifyContent: 'flex-end', marginTop: 14 }}>
        <button className="button" onClick={() => dialog.current?.close()} id="close-launch-snapshot">
          Close
        </button>
      </div>
    </dialog>
  )
}
