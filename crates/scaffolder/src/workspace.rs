//! The folder a run writes into, and the rules that keep an untrusted template inside it:
//! no absolute paths, no `..` out of it, no writing through symlinks that leave it, no
//! symlinks created that point out of it, and a bound on how much is written.

use std::fs;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::RunError;

/// Bounds on what one run may write: templates are untrusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputLimits {
    /// Most files and folders one run may create.
    pub max_entries: usize,
    /// Most bytes one run may write in total.
    pub max_total_bytes: u64,
    /// Largest single file.
    pub max_file_bytes: u64,
}

impl Default for OutputLimits {
    fn default() -> Self {
        OutputLimits {
            max_entries: 20_000,
            max_total_bytes: 512 * 1024 * 1024,
            max_file_bytes: 64 * 1024 * 1024,
        }
    }
}

/// The run's working folder (a staging folder, moved into place on success).
pub(crate) struct Workspace {
    root: PathBuf,
    limits: OutputLimits,
    entries: usize,
    bytes: u64,
}

impl Workspace {
    pub(crate) fn new(root: PathBuf, limits: OutputLimits) -> Workspace {
        Workspace {
            root,
            limits,
            entries: 0,
            bytes: 0,
        }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// Resolves a path a template gave, relative to the workspace, refusing anything that
    /// would land outside it.
    pub(crate) fn resolve(&self, relative: &str, what: &str) -> Result<PathBuf, RunError> {
        safe_child(&self.root, relative, what)
    }

    /// Counts one more entry of `bytes` bytes against the limits.
    pub(crate) fn charge(&mut self, path: &Path, bytes: u64) -> Result<(), RunError> {
        self.entries += 1;
        self.bytes += bytes;
        let shown = path
            .strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string();
        if bytes > self.limits.max_file_bytes {
            return Err(RunError::Limit(format!(
                "{shown} would be {bytes} bytes, more than the {} bytes a generated file may have",
                self.limits.max_file_bytes
            )));
        }
        if self.entries > self.limits.max_entries {
            return Err(RunError::Limit(format!(
                "the template creates more than {} files and folders",
                self.limits.max_entries
            )));
        }
        if self.bytes > self.limits.max_total_bytes {
            return Err(RunError::Limit(format!(
                "the template writes more than {} bytes",
                self.limits.max_total_bytes
            )));
        }
        Ok(())
    }

    /// Writes a file (creating its folders) with a Unix mode, after charging it.
    pub(crate) fn write_file(
        &mut self,
        path: &Path,
        contents: &[u8],
        mode: Option<u32>,
    ) -> Result<(), RunError> {
        self.charge(path, contents.len() as u64)?;
        self.ensure_parent(path)?;
        check_no_symlink_escape(&self.root, path)?;
        if path.is_symlink() {
            fs::remove_file(path).map_err(|e| RunError::io(path, e))?;
        }
        fs::write(path, contents).map_err(|e| RunError::io(path, e))?;
        if let Some(mode) = mode {
            set_mode(path, mode)?;
        }
        Ok(())
    }

    /// Creates a folder and its parents.
    pub(crate) fn create_dir(&mut self, path: &Path) -> Result<(), RunError> {
        if path.is_dir() {
            return Ok(());
        }
        self.charge(path, 0)?;
        check_no_symlink_escape(&self.root, path)?;
        fs::create_dir_all(path).map_err(|e| RunError::io(path, e))
    }

    /// Creates a symlink, refusing one that points outside the workspace.
    pub(crate) fn symlink(
        &mut self,
        link: &Path,
        target: &Path,
        source_name: &str,
    ) -> Result<(), RunError> {
        let parent = link.parent().unwrap_or(&self.root);
        let relative_parent = parent.strip_prefix(&self.root).unwrap_or(Path::new(""));
        let resolved = normalize(&relative_parent.join(target));
        if target.is_absolute() || resolved.is_none() {
            return Err(RunError::Unsafe(format!(
                "{source_name} is a symlink to {}, which is outside the project; Greenroom does not copy symlinks that leave the generated folder",
                target.display()
            )));
        }
        self.charge(link, 0)?;
        self.ensure_parent(link)?;
        check_no_symlink_escape(&self.root, link)?;
        make_symlink(target, link)
    }

    fn ensure_parent(&mut self, path: &Path) -> Result<(), RunError> {
        match path.parent() {
            Some(parent) if !parent.is_dir() => self.create_dir(parent),
            _ => Ok(()),
        }
    }
}

/// `root/relative`, refusing absolute paths, `..` that climbs out, and existing symlinks on
/// the way that point outside `root`.
pub(crate) fn safe_child(root: &Path, relative: &str, what: &str) -> Result<PathBuf, RunError> {
    let rel = Path::new(relative);
    if rel.is_absolute()
        || relative.starts_with('/')
        || relative.starts_with('\\')
        || has_windows_prefix(rel)
    {
        return Err(RunError::Unsafe(format!(
            "{what} `{relative}` is an absolute path; templates may only write inside the generated folder"
        )));
    }
    let Some(normal) = normalize(rel) else {
        return Err(RunError::Unsafe(format!(
            "{what} `{relative}` points outside the generated folder; remove the `..` from the template"
        )));
    };
    let path = root.join(normal);
    check_no_symlink_escape(root, &path)?;
    Ok(path)
}

fn has_windows_prefix(path: &Path) -> bool {
    matches!(path.components().next(), Some(Component::Prefix(_)))
}

/// Lexically resolves `.` and `..`; `None` when the path climbs above its start.
pub(crate) fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::Normal(part) => out.push(part),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// Refuses a path whose existing part resolves (through symlinks) outside `root`.
pub(crate) fn check_no_symlink_escape(root: &Path, path: &Path) -> Result<(), RunError> {
    let Ok(root_real) = root.canonicalize() else {
        return Ok(());
    };
    let mut existing = path.to_path_buf();
    // The deepest ancestor that exists decides where writes really go.
    while fs::symlink_metadata(&existing).is_err() {
        if !existing.pop() {
            return Ok(());
        }
    }
    let real = match existing.canonicalize() {
        Ok(real) => real,
        // A dangling symlink: where it would lead is what matters.
        Err(_) => match fs::read_link(&existing) {
            Ok(target) if target.is_absolute() => target,
            Ok(target) => existing
                .parent()
                .map(|p| p.join(target))
                .unwrap_or_default(),
            Err(_) => return Ok(()),
        },
    };
    if real.starts_with(&root_real) || (real.is_relative() && normalize(&real).is_some()) {
        return Ok(());
    }
    Err(RunError::Unsafe(format!(
        "{} leads through a symlink to {}, outside the generated folder; the template may not write there",
        path.strip_prefix(root).unwrap_or(path).display(),
        real.display()
    )))
}

#[cfg(unix)]
fn make_symlink(target: &Path, link: &Path) -> Result<(), RunError> {
    std::os::unix::fs::symlink(target, link).map_err(|e| RunError::io(link, e))
}

#[cfg(not(unix))]
fn make_symlink(target: &Path, link: &Path) -> Result<(), RunError> {
    // Without Unix symlinks, copy what the link points at.
    let source = link.parent().map(|p| p.join(target)).unwrap_or_default();
    fs::copy(&source, link)
        .map(|_| ())
        .map_err(|e| RunError::io(link, e))
}

/// A file's Unix permission bits (0o644 where there are none).
pub(crate) fn mode_of(meta: &fs::Metadata) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o7777
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        0o644
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<(), RunError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode & 0o777))
        .map_err(|e| RunError::io(path, e))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> Result<(), RunError> {
    Ok(())
}

/// Whether a file's first bytes look binary, with the heuristics of npm `isbinaryfile` 5,
/// which Backstage's `fetch:template` uses to copy such files untouched.
pub(crate) fn is_binary(bytes: &[u8]) -> bool {
    const MAX_BYTES: usize = 512;
    const UTF8_BOUNDARY_RESERVE: usize = 3;
    let total = bytes.len().min(MAX_BYTES + UTF8_BOUNDARY_RESERVE);
    let buf = &bytes[..total];
    if total == 0 {
        return false;
    }
    let scan = total.min(MAX_BYTES);
    let starts = |prefix: &[u8]| buf.starts_with(prefix);
    if starts(&[0xef, 0xbb, 0xbf])
        || starts(&[0x00, 0x00, 0xfe, 0xff])
        || starts(&[0xff, 0xfe, 0x00, 0x00])
        || starts(&[0x84, 0x31, 0x95, 0x33])
    {
        return false;
    }
    if starts(b"%PDF-") {
        return true;
    }
    if starts(&[0xfe, 0xff]) || starts(&[0xff, 0xfe]) {
        return false;
    }
    let mut suspicious = 0usize;
    let mut i = 0;
    while i < scan {
        let b = buf[i];
        if b == 0 {
            return true;
        }
        if !(7..=14).contains(&b) && !(32..=127).contains(&b) {
            let cont = |j: usize| buf.get(j).is_some_and(|&c| (0x80..=0xbf).contains(&c));
            if (0xc0..=0xdf).contains(&b) && i + 1 < total {
                i += 1;
                if cont(i) {
                    i += 1;
                    continue;
                }
            } else if (0xe0..=0xef).contains(&b) && i + 2 < total {
                i += 1;
                if cont(i) && cont(i + 1) {
                    i += 2;
                    continue;
                }
            } else if (0xf0..=0xf7).contains(&b) && i + 3 < total {
                i += 1;
                if cont(i) && cont(i + 1) && cont(i + 2) {
                    i += 3;
                    continue;
                }
            }
            suspicious += 1;
            if i >= 32 && suspicious * 100 / scan > 10 {
                return true;
            }
        }
        i += 1;
    }
    if suspicious * 100 / scan > 10 {
        return true;
    }
    suspicious > 1 && is_protobuf(&buf[..scan])
}

/// isbinaryfile's protobuf taste: the bytes read as a run of protobuf fields.
fn is_protobuf(buf: &[u8]) -> bool {
    struct Reader<'a> {
        buf: &'a [u8],
        at: usize,
        error: bool,
    }
    impl Reader<'_> {
        fn byte(&mut self) -> u8 {
            if self.at >= self.buf.len() || self.error {
                self.error = true;
                return 0xff;
            }
            self.at += 1;
            self.buf[self.at - 1]
        }
        fn skip(&mut self, n: i32) {
            for _ in 0..n.max(0) {
                if self.error {
                    return;
                }
                self.byte();
            }
        }
        /// Reads a varint with JavaScript's 32-bit `|` and `<<`, as isbinaryfile does.
        fn varint(&mut self) -> i32 {
            let mut value: i32 = 0;
            let mut idx: u32 = 0;
            while !self.error {
                let b = self.byte();
                value |= i32::from(b & 0x7f).wrapping_shl(7 * idx);
                if b & 0x80 == 0 {
                    break;
                }
                if idx >= 10 {
                    self.error = true;
                    break;
                }
                idx += 1;
            }
            value
        }
    }
    let mut reader = Reader {
        buf,
        at: 0,
        error: false,
    };
    let mut messages = 0;
    loop {
        let key = reader.varint();
        let ok = match key & 0x7 {
            0 => {
                reader.varint();
                true
            }
            1 => {
                reader.skip(8);
                true
            }
            2 => {
                let len = reader.varint();
                reader.skip(len);
                true
            }
            5 => {
                reader.skip(4);
                true
            }
            _ => false,
        };
        if !ok && !reader.error {
            return false;
        }
        if reader.error {
            break;
        }
        messages += 1;
    }
    messages > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_must_stay_inside() {
        let root = Path::new("/work/out");
        assert_eq!(
            safe_child(root, "a/./b/../c", "targetPath").ok(),
            Some(PathBuf::from("/work/out/a/c"))
        );
        assert!(safe_child(root, "../x", "targetPath").is_err());
        assert!(safe_child(root, "a/../../x", "targetPath").is_err());
        assert!(safe_child(root, "/etc/passwd", "targetPath").is_err());
        assert_eq!(
            safe_child(root, "./", "targetPath").ok(),
            Some(PathBuf::from("/work/out"))
        );
    }

    #[test]
    fn binary_detection_follows_isbinaryfile() {
        assert!(!is_binary(b"hello\nworld\n"));
        assert!(!is_binary("héllo wörld ✓".as_bytes()));
        assert!(is_binary(&[
            0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d
        ]));
        assert!(is_binary(b"%PDF-1.7\n"));
        assert!(!is_binary(&[]));
        let noisy: Vec<u8> = (0..200u32)
            .map(|i| if i % 5 == 0 { 0x90 } else { b'a' })
            .collect();
        assert!(is_binary(&noisy));
    }
}
