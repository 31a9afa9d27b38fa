//! Every kind of bad file is refused with a message a person can act on, and never
//! panics: truncation anywhere, any flipped byte, forged signatures, newer formats,
//! decompression bombs, lying counts, paths that climb out of their folder.

use greenroom_catalog::snapshot::{
    DocsContent, Limits, MAGIC, SignatureStatus, SigningKey, Snapshot, SnapshotBlob, SnapshotError,
    SnapshotSite, check_relative_path, write_snapshot,
};
use serde_json::value::RawValue;

use crate::{Org, export, indexed, manifest, read};

/// A good file taken apart: manifest, signature block and the sections' bytes.
struct Parts {
    version: u32,
    manifest: Vec<u8>,
    signature: Vec<u8>,
    sections: Vec<u8>,
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

fn parts(bytes: &[u8]) -> Parts {
    let mut at = MAGIC.len();
    let version = u32_at(bytes, at);
    at += 4;
    let len = u32_at(bytes, at) as usize;
    at += 4;
    let manifest = bytes[at..at + len].to_vec();
    at += len + 32;
    let sig_len = u32_at(bytes, at) as usize;
    at += 4;
    let signature = bytes[at..at + sig_len].to_vec();
    at += sig_len;
    Parts {
        version,
        manifest,
        signature,
        sections: bytes[at..].to_vec(),
    }
}

/// Puts a file together again, with a correct manifest checksum (as a forger would).
fn assemble(p: &Parts) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&p.version.to_le_bytes());
    out.extend_from_slice(&(p.manifest.len() as u32).to_le_bytes());
    out.extend_from_slice(&p.manifest);
    out.extend_from_slice(blake3::hash(&p.manifest).as_bytes());
    out.extend_from_slice(&(p.signature.len() as u32).to_le_bytes());
    out.extend_from_slice(&p.signature);
    out.extend_from_slice(&p.sections);
    out
}

fn header_len(bytes: &[u8]) -> usize {
    let p = parts(bytes);
    bytes.len() - p.sections.len()
}

fn sample(signer: Option<&SigningKey>) -> Vec<u8> {
    let org = Org::sample();
    let work = tempfile::tempdir().expect("tempdir");
    let catalog = indexed(&org, work.path(), &Org::REPOS);
    export(&catalog, signer)
}

fn key(name: &str) -> SigningKey {
    SigningKey::generate(name, None).expect("key").0
}

#[test]
fn a_good_file_reads_and_a_signed_one_names_its_signer() {
    let org = Org::sample();
    let work = tempfile::tempdir().expect("tempdir");
    let catalog = indexed(&org, work.path(), &Org::REPOS);
    let bytes = export(&catalog, None);
    let snapshot = read(&bytes).expect("reads");
    assert_eq!(snapshot.signature, SignatureStatus::Unsigned);
    let signer = key("Platform team");
    let signed = export(&catalog, Some(&signer));
    let snapshot = read(&signed).expect("reads");
    match snapshot.signature {
        SignatureStatus::Verified(info) => {
            assert_eq!(info.signer, "Platform team");
            assert_eq!(info.key_id, signer.key_id());
            assert_eq!(info.public_key, signer.public_key());
        }
        other => panic!("expected a verified signature, got {other:?}"),
    }
    // Signing adds a signature block and changes nothing else.
    assert_eq!(parts(&signed).manifest, parts(&bytes).manifest);
    assert_eq!(parts(&signed).sections, parts(&bytes).sections);
}

#[test]
fn a_file_truncated_anywhere_is_refused() {
    let bytes = sample(Some(&key("Platform team")));
    let header = header_len(&bytes);
    let mut offsets = vec![
        1,
        8,
        MAGIC.len(),
        MAGIC.len() + 2,
        MAGIC.len() + 4,
        MAGIC.len() + 9,
        header - 33,
        header - 1,
        header,
    ];
    offsets.extend([header + 1, (header + bytes.len()) / 2, bytes.len() - 1]);
    for at in offsets {
        let error = read(&bytes[..at]).expect_err("truncated");
        let message = error.to_string();
        assert!(
            matches!(error, SnapshotError::Truncated { .. }),
            "cut at {at} of {}: {message}",
            bytes.len()
        );
        assert!(
            message.contains("incomplete") && message.contains("copy or download it again"),
            "{message}"
        );
    }
    let empty = read(&[]).expect_err("empty");
    assert!(matches!(empty, SnapshotError::Truncated { .. }), "{empty}");
}

#[test]
fn any_flipped_byte_is_found() {
    for signed in [false, true] {
        let signer = key("Platform team");
        let bytes = sample(signed.then_some(&signer));
        let header = header_len(&bytes);
        // Every byte of the header, manifest, checksum and signature; a spread of section bytes.
        let positions: Vec<usize> = (0..header)
            .chain((header..bytes.len()).step_by(7))
            .chain([bytes.len() - 1])
            .collect();
        for at in positions {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x20;
            match read(&damaged) {
                Ok(_) => panic!("a flipped byte at {at} (signed: {signed}) went unnoticed"),
                Err(e) => {
                    let message = e.to_string();
                    assert!(!message.is_empty());
                    if at >= header {
                        assert!(
                            message.contains("does not match its checksum"),
                            "section byte {at}: {message}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn a_newer_format_is_refused_before_anything_else_is_read() {
    let bytes = sample(None);
    let mut p = parts(&bytes);
    p.version = 2;
    let error = read(&assemble(&p)).expect_err("newer");
    assert!(
        matches!(error, SnapshotError::NewerFormat { found: 2, known: 1 }),
        "{error}"
    );
    assert!(error.to_string().contains("update Greenroom"), "{error}");
    // Even when what follows is not a layout this version knows.
    let mut newer = MAGIC.to_vec();
    newer.extend_from_slice(&7u32.to_le_bytes());
    newer.extend_from_slice(b"some future layout");
    assert!(matches!(
        read(&newer),
        Err(SnapshotError::NewerFormat { found: 7, .. })
    ));
    let text =
        read(b"apiVersion: backstage.io/v1alpha1\nkind: Component\n").expect_err("not a snapshot");
    assert!(matches!(text, SnapshotError::NotASnapshot), "{text}");
}

#[test]
fn forged_signatures_are_refused() {
    let team = key("Platform team");
    let mallory = key("Platform team");
    let bytes = sample(Some(&team));
    let good = parts(&bytes);
    let block: serde_json::Value = serde_json::from_slice(&good.signature).expect("block");

    // 1. The content changed (here: the origin's name) and the manifest checksum was fixed,
    //    but the signature is the team's, over the old manifest.
    let mut changed = parts(&bytes);
    changed.manifest = String::from_utf8(changed.manifest)
        .expect("utf8")
        .replace("Platform team", "Platform teem")
        .into_bytes();
    let error = read(&assemble(&changed)).expect_err("changed content");
    assert!(matches!(error, SnapshotError::BadSignature(_)), "{error}");
    assert!(error.to_string().contains("do not import it"), "{error}");

    // 2. Signed by another key, but claiming the team's public key.
    let other = parts(&sample(Some(&mallory)));
    let mut claimed: serde_json::Value = serde_json::from_slice(&other.signature).expect("block");
    claimed["publicKey"] = block["publicKey"].clone();
    let mut forged = parts(&bytes);
    forged.signature = serde_json::to_vec(&claimed).expect("json");
    assert!(matches!(
        read(&assemble(&forged)),
        Err(SnapshotError::BadSignature(_))
    ));

    // 3. The signer's name (a trusted comment) rewritten.
    let text = block["signature"]
        .as_str()
        .expect("text")
        .replace("signed by Platform team", "signed by Security team");
    let mut renamed = parts(&bytes);
    renamed.signature = serde_json::to_vec(
        &serde_json::json!({ "publicKey": block["publicKey"], "signature": text }),
    )
    .expect("json");
    assert!(matches!(
        read(&assemble(&renamed)),
        Err(SnapshotError::BadSignature(_))
    ));

    // 4. Garbage in the signature block.
    let mut garbage = parts(&bytes);
    garbage.signature = b"{\"publicKey\": \"AAAA\", \"signature\": \"nope\"}".to_vec();
    assert!(matches!(
        read(&assemble(&garbage)),
        Err(SnapshotError::BadSignature(_))
    ));

    // 5. Re-signed by another key over changed content: the file checks, but it names the
    //    other key, which is what importers compare with the key they trust.
    let resigned = read(&sample(Some(&mallory))).expect("a valid signature by another key");
    match resigned.signature {
        SignatureStatus::Verified(info) => assert_ne!(info.key_id, team.key_id()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn lying_counts_and_duplicates_are_refused() {
    let bytes = sample(None);
    let mut p = parts(&bytes);
    let mut manifest: serde_json::Value = serde_json::from_slice(&p.manifest).expect("manifest");
    manifest["counts"]["entities"] = serde_json::json!(999);
    p.manifest = serde_json::to_vec(&manifest).expect("json");
    let error = read(&assemble(&p)).expect_err("lying count");
    assert!(error.to_string().contains("manifest says 999"), "{error}");

    let org = Org::sample();
    let work = tempfile::tempdir().expect("tempdir");
    let catalog = indexed(&org, work.path(), &Org::REPOS);
    let mut exported = catalog.export_catalog(&[]).expect("export");
    let copy = exported.content.repos[0].clone();
    exported.content.repos.push(copy);
    let mut m = manifest_for(&exported);
    m.counts.repos += 1;
    m.counts.files += exported.content.repos[0].files.len();
    m.counts.entities += exported.content.repos[0]
        .files
        .iter()
        .map(|f| f.entities.len())
        .sum::<usize>();
    m.counts.relations += exported.content.repos[0]
        .files
        .iter()
        .flat_map(|f| &f.entities)
        .map(|e| e.relations.len())
        .sum::<usize>();
    m.counts.problems += exported.content.repos[0]
        .files
        .iter()
        .map(|f| f.problems.len())
        .sum::<usize>()
        + exported.content.repos[0].problems.len();
    let bytes = write_snapshot(m, &exported.content, None, None).expect("write");
    let error = read(&bytes).expect_err("duplicate repository");
    assert!(error.to_string().contains("appears twice"), "{error}");
}

fn manifest_for(
    exported: &greenroom_catalog::store::ExportedCatalog,
) -> greenroom_catalog::snapshot::Manifest {
    manifest(exported)
}

#[test]
fn decompression_bombs_are_refused() {
    let org = Org::sample();
    let work = tempfile::tempdir().expect("tempdir");
    let catalog = indexed(&org, work.path(), &Org::REPOS);
    let exported = catalog.export_catalog(&[]).expect("export");
    let good = write_snapshot(manifest(&exported), &exported.content, None, None).expect("write");

    // A section of 64 MiB of zeros compresses to a few kilobytes.
    let zeros = vec![0u8; 64 << 20];
    let bomb = zstd::bulk::compress(&zeros, 19).expect("compress");
    assert!(bomb.len() < 64 << 10);
    let mut p = parts(&good);
    let mut m: serde_json::Value = serde_json::from_slice(&p.manifest).expect("manifest");
    m["sections"][0]["size"] = serde_json::json!(bomb.len());
    m["sections"][0]["blake3"] = serde_json::json!(blake3::hash(&bomb).to_hex().to_string());

    // It says how large it is: refused before decompressing, under a lower limit.
    m["sections"][0]["rawSize"] = serde_json::json!(zeros.len());
    p.manifest = serde_json::to_vec(&m).expect("json");
    p.sections = bomb.clone();
    let honest = assemble(&p);
    let limits = Limits {
        max_section_bytes: 16 << 20,
        ..Limits::default()
    };
    let error = Snapshot::read(&honest, &limits).expect_err("too large");
    assert!(matches!(error, SnapshotError::TooLarge { .. }), "{error}");

    // It lies about its size: decompression stops right after the stated size.
    m["sections"][0]["rawSize"] = serde_json::json!(1000);
    p.manifest = serde_json::to_vec(&m).expect("json");
    let lying = assemble(&p);
    let error = read(&lying).expect_err("lying size");
    assert!(
        error.to_string().contains("decompresses to 1001 bytes"),
        "{error}"
    );

    // A file larger than the limit is not read at all.
    let small = Limits {
        max_file_bytes: 100,
        ..Limits::default()
    };
    assert!(matches!(
        Snapshot::read(&good, &small),
        Err(SnapshotError::TooLarge { .. })
    ));
}

#[test]
fn docs_paths_that_leave_their_folder_are_refused() {
    let cases = [
        "../../.ssh/authorized_keys",
        "docs/../../escape.png",
        "/etc/passwd",
        "C:/Windows/win.ini",
        "img\\..\\..\\x.png",
        "docs//x.png",
        "./x.png",
        "a/\u{0}b",
        "",
    ];
    for path in cases {
        assert!(
            check_relative_path(path).is_err(),
            "{path:?} must be refused"
        );
    }
    for path in [
        "docs/img/logo.png",
        "a b/c.d",
        "ünïcode/ファイル.png",
        "..dots/x..png",
    ] {
        assert!(check_relative_path(path).is_ok(), "{path:?} is fine");
    }

    let org = Org::sample();
    let work = tempfile::tempdir().expect("tempdir");
    let catalog = indexed(&org, work.path(), &Org::REPOS);
    let exported = catalog.export_catalog(&[]).expect("export");
    for (dir, path) in [
        ("", "../../outside.png"),
        ("../up", "img/x.png"),
        ("", "/abs/x.png"),
    ] {
        let docs = DocsContent {
            sites: vec![SnapshotSite {
                repo: "/src/payments".into(),
                dir: dir.into(),
                name: "payments".into(),
                content_hash: "0".repeat(64),
                entities: vec!["component:default/payments".into()],
                pages: 0,
                site: RawValue::from_string("{}".into()).expect("json"),
                files: vec![SnapshotBlob {
                    path: path.into(),
                    offset: 0,
                    size: 4,
                }],
            }],
        };
        let mut m = manifest(&exported);
        m.counts.doc_sites = 1;
        m.counts.assets = 1;
        let bytes =
            write_snapshot(m, &exported.content, Some((&docs, b"evil")), None).expect("write");
        let error = read(&bytes).expect_err("escaping path");
        assert!(
            error.to_string().contains("the path"),
            "{dir} {path}: {error}"
        );
    }
    // An asset whose bytes lie outside the assets section.
    let docs = DocsContent {
        sites: vec![SnapshotSite {
            repo: "/src/payments".into(),
            dir: String::new(),
            name: "payments".into(),
            content_hash: "0".repeat(64),
            entities: Vec::new(),
            pages: 0,
            site: RawValue::from_string("{}".into()).expect("json"),
            files: vec![SnapshotBlob {
                path: "img/x.png".into(),
                offset: 2,
                size: u64::MAX,
            }],
        }],
    };
    let mut m = manifest(&exported);
    m.counts.doc_sites = 1;
    m.counts.assets = 1;
    let bytes = write_snapshot(m, &exported.content, Some((&docs, b"evil")), None).expect("write");
    assert!(
        read(&bytes)
            .expect_err("outside")
            .to_string()
            .contains("outside the assets section")
    );
}
