//! The bytes of a `.greenroom` file:
//!
//! ```text
//! magic (14 bytes)  format version (u32 LE)
//! manifest length (u32 LE)  manifest (JSON)  BLAKE3 of the manifest (32 bytes)
//! signature length (u32 LE)  signature block (JSON; empty when unsigned)
//! the sections, zstd-compressed, in manifest order; nothing after them
//! ```
//!
//! Reading checks each part before using the next: a damaged byte anywhere is found by
//! the magic, a length, the manifest checksum, the signature or a section checksum, and a
//! section is only decompressed once its checksum matched, into at most its stated size.

use std::io::{Read, Write};
use std::path::Path;

use super::content::{CatalogContent, DocsContent, check_relative_path};
use super::frames::{FrameWriter, decompress_in_parallel};
use super::manifest::{FORMAT_NAME, FORMAT_VERSION, Manifest, SectionInfo};
use super::signing::{self, SignatureStatus, SigningKey};
use super::stream::CatalogSection;
use super::{Limits, SnapshotError};

/// The first bytes of every snapshot (PNG-style: a high byte, the name, CR LF, EOF, LF), so
/// a file mangled by a text-mode transfer is recognised as damaged.
pub const MAGIC: &[u8; 14] = b"\x89GREENROOM\r\n\x1a\n";

const MAX_SIGNATURE_BYTES: u64 = 16 << 10;
/// zstd level: a good ratio on JSON while compressing well over 100 MB/s.
const LEVEL: i32 = 9;
/// Largest zstd window accepted (2^27 = 128 MiB), which bounds decoder memory.
const WINDOW_LOG_MAX: u32 = 27;

/// A snapshot read from a file and checked: structure, checksums, signature, sizes and
/// counts. Its entities are not validated yet: see [`Snapshot::repo_indexes`].
#[derive(Debug)]
pub struct Snapshot {
    /// The manifest.
    pub manifest: Manifest,
    /// BLAKE3 of the manifest (hex): identifies this exact snapshot.
    pub digest: String,
    /// Whether it is signed, and by whom.
    pub signature: SignatureStatus,
    /// The catalog (empty when read with [`Snapshot::read_unparsed`]).
    pub catalog: CatalogContent,
    /// Rendered docs, when it was exported with them.
    pub docs: Option<DocsContent>,
    /// The bytes of the docs' assets.
    pub assets: Vec<u8>,
    /// Size of the file.
    pub file_size: u64,
}

/// Writes a snapshot. `manifest.sections` is filled in here; `manifest.counts` must
/// already describe the content (the reader checks them).
pub fn write_snapshot(
    mut manifest: Manifest,
    catalog: &CatalogContent,
    docs: Option<(&DocsContent, &[u8])>,
    signer: Option<&SigningKey>,
) -> Result<Vec<u8>, SnapshotError> {
    // Sections are independent: they are written and compressed in parallel, each streamed
    // straight into its compressor (no uncompressed copy of the catalog in memory).
    let (catalog, docs) = rayon::join(
        || pack(|w| json_into(w, catalog)),
        || {
            docs.map(|(docs, assets)| {
                rayon::join(
                    || pack(|w| json_into(w, docs)),
                    || pack(|w| w.write_all(assets)),
                )
            })
        },
    );
    let mut sections = vec![("catalog", catalog?)];
    if let Some((docs, assets)) = docs {
        sections.push(("docs", docs?));
        sections.push(("assets", assets?));
    }
    let mut bodies = Vec::with_capacity(sections.len());
    manifest.sections.clear();
    for (name, packed) in sections {
        manifest.sections.push(SectionInfo {
            name: name.to_owned(),
            compression: "zstd".to_owned(),
            size: packed.bytes.len() as u64,
            raw_size: packed.raw_size,
            blake3: blake3::hash(&packed.bytes).to_hex().to_string(),
        });
        bodies.push(packed.bytes);
    }
    manifest.format = FORMAT_NAME.to_owned();
    manifest.format_version = FORMAT_VERSION;
    let manifest_bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| SnapshotError::corrupt(format!("cannot write the manifest: {e}")))?;
    let signature = match signer {
        Some(key) => key.sign(&manifest_bytes)?,
        None => Vec::new(),
    };
    let total = MAGIC.len()
        + 12
        + manifest_bytes.len()
        + 32
        + signature.len()
        + bodies.iter().map(Vec::len).sum::<usize>();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(manifest_bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(&manifest_bytes);
    out.extend_from_slice(blake3::hash(&manifest_bytes).as_bytes());
    out.extend_from_slice(&(signature.len() as u32).to_le_bytes());
    out.extend_from_slice(&signature);
    for body in &bodies {
        out.extend_from_slice(body);
    }
    Ok(out)
}

/// A compressed section, and the size of what went in.
struct Packed {
    bytes: Vec<u8>,
    raw_size: u64,
}

/// Compresses what `fill` writes (see [`FrameWriter`]).
fn pack(fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<Packed, SnapshotError> {
    let failed = |e: std::io::Error| SnapshotError::corrupt(format!("cannot write a section: {e}"));
    let mut frames = FrameWriter::new(LEVEL).map_err(failed)?;
    {
        let mut buffered = std::io::BufWriter::with_capacity(128 << 10, &mut frames);
        fill(&mut buffered).map_err(failed)?;
        buffered.flush().map_err(failed)?;
    }
    let (bytes, raw_size) = frames.finish().map_err(failed)?;
    Ok(Packed { bytes, raw_size })
}

/// Reads fields off the front of the file, reporting truncation with the size expected.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: u64) -> Result<&'a [u8], SnapshotError> {
        let end = (self.at as u64).saturating_add(n);
        if end > self.bytes.len() as u64 {
            return Err(SnapshotError::Truncated {
                found: self.bytes.len() as u64,
                expected: end,
            });
        }
        let slice = &self.bytes[self.at..end as usize];
        self.at = end as usize;
        Ok(slice)
    }

    fn u32(&mut self) -> Result<u32, SnapshotError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

impl Snapshot {
    /// Reads and checks a snapshot file.
    pub fn read_file(path: &Path, limits: &Limits) -> Result<Snapshot, SnapshotError> {
        Snapshot::read(&read_bytes(path, limits)?, limits)
    }

    /// Reads and checks a snapshot file, all but its catalog section: see
    /// [`Snapshot::read_unparsed`].
    pub fn read_file_unparsed(
        path: &Path,
        limits: &Limits,
    ) -> Result<(Snapshot, CatalogSection), SnapshotError> {
        Snapshot::read_unparsed(&read_bytes(path, limits)?, limits)
    }

    /// Checks a snapshot held in memory.
    pub fn read(bytes: &[u8], limits: &Limits) -> Result<Snapshot, SnapshotError> {
        let (mut snapshot, catalog) = Snapshot::read_unparsed(bytes, limits)?;
        snapshot.catalog = catalog.parse()?;
        Ok(snapshot)
    }

    /// Checks a snapshot held in memory, all but the content of its catalog section, which
    /// is returned matching its checksum but unparsed (the snapshot's `catalog` is empty):
    /// an import parses it as it goes with [`CatalogSection::validate_chunks`], which makes
    /// the remaining checks.
    pub fn read_unparsed(
        bytes: &[u8],
        limits: &Limits,
    ) -> Result<(Snapshot, CatalogSection), SnapshotError> {
        if bytes.len() as u64 > limits.max_file_bytes {
            return Err(SnapshotError::too_large(
                "the file",
                bytes.len() as u64,
                limits.max_file_bytes,
            ));
        }
        let mut cursor = Cursor { bytes, at: 0 };
        let magic_len = MAGIC.len().min(bytes.len());
        if bytes[..magic_len] != MAGIC[..magic_len] {
            return Err(SnapshotError::NotASnapshot);
        }
        cursor.take(MAGIC.len() as u64)?;
        let version = cursor.u32()?;
        if version > FORMAT_VERSION {
            return Err(SnapshotError::NewerFormat {
                found: version,
                known: FORMAT_VERSION,
            });
        }
        if version == 0 {
            return Err(SnapshotError::corrupt("its format version is 0"));
        }
        let manifest_len = u64::from(cursor.u32()?);
        if manifest_len > limits.max_manifest_bytes {
            return Err(SnapshotError::too_large(
                "the manifest",
                manifest_len,
                limits.max_manifest_bytes,
            ));
        }
        let manifest_bytes = cursor.take(manifest_len)?;
        let stated = cursor.take(32)?;
        let digest = blake3::hash(manifest_bytes);
        if digest.as_bytes() != stated {
            return Err(SnapshotError::corrupt(
                "the manifest does not match its checksum",
            ));
        }
        let manifest: Manifest = serde_json::from_slice(manifest_bytes)
            .map_err(|e| SnapshotError::corrupt(format!("the manifest is malformed: {e}")))?;
        if manifest.format != FORMAT_NAME || manifest.format_version != version {
            return Err(SnapshotError::corrupt(
                "the manifest's format does not match the file header",
            ));
        }
        let signature_len = u64::from(cursor.u32()?);
        if signature_len > MAX_SIGNATURE_BYTES {
            return Err(SnapshotError::corrupt(format!(
                "its signature block claims {signature_len} bytes"
            )));
        }
        let signature = match cursor.take(signature_len)? {
            [] => SignatureStatus::Unsigned,
            block => SignatureStatus::Verified(signing::verify(block, manifest_bytes)?),
        };
        let expected_end = manifest
            .sections
            .iter()
            .try_fold(cursor.at as u64, |end, s| end.checked_add(s.size))
            .ok_or_else(|| SnapshotError::corrupt("its section sizes overflow"))?;
        if expected_end > bytes.len() as u64 {
            return Err(SnapshotError::Truncated {
                found: bytes.len() as u64,
                expected: expected_end,
            });
        }
        if expected_end < bytes.len() as u64 {
            return Err(SnapshotError::corrupt(format!(
                "{} bytes follow its last section",
                bytes.len() as u64 - expected_end
            )));
        }
        let mut snapshot = Snapshot {
            manifest: manifest.clone(),
            digest: digest.to_hex().to_string(),
            signature,
            catalog: CatalogContent::default(),
            docs: None,
            assets: Vec::new(),
            file_size: bytes.len() as u64,
        };
        let mut catalog = None;
        let mut seen = Vec::new();
        for section in &manifest.sections {
            let packed = cursor.take(section.size)?;
            if blake3::hash(packed).to_hex().as_str() != section.blake3 {
                return Err(SnapshotError::corrupt(format!(
                    "section '{}' does not match its checksum",
                    section.name
                )));
            }
            if seen.contains(&section.name) {
                return Err(SnapshotError::corrupt(format!(
                    "section '{}' appears twice",
                    section.name
                )));
            }
            seen.push(section.name.clone());
            match section.name.as_str() {
                "catalog" => {
                    let raw = decompress(section, packed, limits)?;
                    catalog = Some(CatalogSection::new(raw, manifest.counts.clone(), *limits));
                }
                "docs" => {
                    let raw = decompress(section, packed, limits)?;
                    snapshot.docs = Some(serde_json::from_slice(&raw).map_err(|e| {
                        SnapshotError::corrupt(format!("the docs section is malformed: {e}"))
                    })?);
                }
                "assets" => snapshot.assets = decompress(section, packed, limits)?,
                // Sections a later version 1 writer may add are checked but not read.
                _ => {}
            }
        }
        let catalog = catalog.ok_or_else(|| SnapshotError::corrupt("it has no catalog section"))?;
        snapshot.check_docs(limits)?;
        Ok((snapshot, catalog))
    }

    /// Checks the docs' counts against the manifest and limits, and every path and asset
    /// range.
    fn check_docs(&self, limits: &Limits) -> Result<(), SnapshotError> {
        let counts = &self.manifest.counts;
        let (sites, pages, assets) = match &self.docs {
            Some(docs) => (
                docs.sites.len(),
                docs.sites.iter().map(|s| s.pages).sum(),
                docs.sites.iter().map(|s| s.files.len()).sum(),
            ),
            None => (0, 0, 0),
        };
        for (what, found, stated) in [
            ("docs sites", sites, counts.doc_sites),
            ("docs pages", pages, counts.pages),
            ("docs assets", assets, counts.assets),
        ] {
            if found != stated {
                return Err(SnapshotError::corrupt(format!(
                    "it holds {found} {what} but its manifest says {stated}"
                )));
            }
            if found > limits.max_items {
                return Err(SnapshotError::too_large(
                    format!("the number of {what}"),
                    found as u64,
                    limits.max_items as u64,
                ));
            }
        }
        if let Some(docs) = &self.docs {
            for site in &docs.sites {
                if !site.dir.is_empty() {
                    check_relative_path(&site.dir)?;
                }
                for blob in &site.files {
                    check_relative_path(&blob.path)?;
                    let end = blob.offset.checked_add(blob.size);
                    if end.is_none_or(|end| end > self.assets.len() as u64) {
                        return Err(SnapshotError::corrupt(format!(
                            "the asset '{}' lies outside the assets section",
                            blob.path.escape_debug()
                        )));
                    }
                }
            }
        }
        Ok(())
    }
}

/// The bytes of a snapshot file, refusing one larger than the limit.
fn read_bytes(path: &Path, limits: &Limits) -> Result<Vec<u8>, SnapshotError> {
    let io = |e: std::io::Error| SnapshotError::Io {
        path: path.display().to_string(),
        reason: match e.kind() {
            std::io::ErrorKind::NotFound => "does not exist".to_owned(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            _ => e.to_string(),
        },
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > limits.max_file_bytes {
        return Err(SnapshotError::too_large(
            "the file",
            size,
            limits.max_file_bytes,
        ));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limits.max_file_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    Ok(bytes)
}

/// Decompresses a section whose checksum matched, refusing one that claims or produces
/// more than the limit (a decompression bomb) or a size other than the manifest's.
fn decompress(
    section: &SectionInfo,
    packed: &[u8],
    limits: &Limits,
) -> Result<Vec<u8>, SnapshotError> {
    if section.compression != "zstd" {
        return Err(SnapshotError::corrupt(format!(
            "section '{}' uses the unknown compression '{}'",
            section.name, section.compression
        )));
    }
    if section.raw_size > limits.max_section_bytes {
        return Err(SnapshotError::too_large(
            format!("section '{}' once decompressed", section.name),
            section.raw_size,
            limits.max_section_bytes,
        ));
    }
    let failed = |e: &dyn std::fmt::Display| {
        SnapshotError::corrupt(format!(
            "section '{}' cannot be decompressed: {e}",
            section.name
        ))
    };
    if let Some(decoded) = decompress_in_parallel(packed, section.raw_size) {
        return decoded.map_err(|e| failed(&e));
    }
    let failed = |e: std::io::Error| failed(&e);
    let mut decoder = zstd::stream::read::Decoder::with_buffer(packed).map_err(failed)?;
    decoder.window_log_max(WINDOW_LOG_MAX).map_err(failed)?;
    // Grow with the data actually produced, never from the stated size alone.
    let mut out = Vec::with_capacity(section.raw_size.min(64 << 20) as usize);
    decoder
        .take(section.raw_size + 1)
        .read_to_end(&mut out)
        .map_err(failed)?;
    if out.len() as u64 != section.raw_size {
        return Err(SnapshotError::corrupt(format!(
            "section '{}' decompresses to {} bytes, not the {} its manifest says",
            section.name,
            out.len(),
            section.raw_size
        )));
    }
    Ok(out)
}

fn json_into<T: serde::Serialize>(out: &mut dyn Write, value: &T) -> std::io::Result<()> {
    serde_json::to_writer(out, value).map_err(std::io::Error::other)
}
