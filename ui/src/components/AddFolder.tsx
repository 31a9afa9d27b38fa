import { useState } from 'react'
import { api } from '../api'

interface Props {
  disabled: boolean
  /** Adds and indexes the folder. */
  onAdd: (path: string) => void
  primary?: boolean
}

/** Choose a folder with the system dialog, or type its path. */
export function AddFolder({ disabled, onAdd, primary }: Props) {
  const [path, setPath] = useState('')
  const choose = async () => {
    const picked = await api.pickFolder().catch(() => null)
    if (picked) onAdd(picked)
  }
  return (
    <>
      <button className={`button${primary ? ' primary' : ''}`} disabled={disabled} onClick={() => void choose()} id="choose-folder">
        Choose a folder…
      </button>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault()
          if (path.trim()) onAdd(path.trim())
        }}
      >
        <input
          type="text"
          id="folder-path"
          placeholder="or type a path, e.g. ~/src"
          aria-label="Folder path"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          disabled={disabled}
        />
        <button className="button" type="submit" disabled={disabled || !path.trim()} id="add-folder">
          Add
        </button>
      </form>
    </>
  )
}
