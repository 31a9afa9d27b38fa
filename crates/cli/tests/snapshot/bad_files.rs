//! Bad snapshots never damage a catalog: each is refused with a clear message and the
//! catalog (and its docs cache) is exactly as it was. Signed snapshots name their signer.

use greenroom::catalog::snapshot::{Limits, Snapshot, write_snapshot};
use serde_json::value::RawValue;

use crate::{Env, Machine, org};

struct Setup {
    env: Env,
    platform: Machine,
    laptop: Machine,
    good: Vec<u8>,
    public_key: String,
}

/// The platform team signs its snapshots; the laptop imported one, trusting their key.
fn setup() -> Setup {
    let env = Env::new();
    let repos = env.path("repos");
    org(&repos);
    let platform = env.machine("platform");
    platform.ok(&["source", "add", repos.to_str().expect("utf8")]);
    let key = env.path("team.key");
    let made = platform.ok(&[
        "snapshot",
        "keygen",
        "--out",
        key.to_str().expect("utf8"),
        "--signer",
        "Platform team",
    ]);
    assert!(made.contains("not encrypted"), "{made}");
    let file = env.path("signed.greenroom");
    platform.ok(&[
        "snapshot",
        "export",
        "--out",
        file.to_str().expect("utf8"),
        "--with-docs",
        "--name",
        "Platform team",
        "--sign",
        key.to_str().expect("utf8"),
    ]);
    let public_key = format!("{}.pub", key.display());
    let laptop = env.machine("laptop");
    let inspected = laptop.ok(&[
        "snapshot",
        "inspect",
        file.to_str().expect("utf8"),
        "--trust",
        &public_key,
    ]);
    assert!(
        inspected.contains("signed by Platform team (key "),
        "{inspected}"
    );
    assert!(
        inspected.contains("the signature checks; a key you trust"),
        "{inspected}"
    );
    let untrusted = laptop.fails(&[
        "snapshot",
        "import",
        file.to_str().expect("utf8"),
        "--require-trusted",
    ]);
    assert!(
        untrusted.contains("not one of the trusted keys"),
        "{untrusted}"
    );
    let report = laptop.json(&[
        "snapshot",
        "import",
        file.to_str().expect("utf8"),
        "--trust",
        &public_key,
        "--require-trusted",
    ]);
    assert_eq!(report["trusted"], true);
    assert_eq!(report["signature"]["signer"], "Platform team");
    let good = std::fs::read(&file).expect("read");
    Setup {
        env,
        platform,
        laptop,
        good,
        public_key,
    }
}

impl Setup {
    /// Imports `bytes` on the laptop, expects a refusal whose message holds `says`, and
    /// checks that nothing changed and that `inspect` refuses the file too.
    fn refused(&self, name: &str, bytes: &[u8], says: &str) {
        self.refused_import(name, bytes, says, true);
    }

    /// As `refused`; `damaged` says whether the file itself is bad, so that `inspect`
    /// (which knows no earlier import) must refuse it too.
    fn refused_import(&self, name: &str, bytes: &[u8], says: &str, damaged: bool) {
        let path = self.env.path(&format!("{name}.greenroom"));
        std::fs::write(&path, bytes).expect("write");
        let before = self.laptop.dump();
        let message = self.laptop.fails(&[
            "snapshot",
            "import",
            path.to_str().expect("utf8"),
            "--trust",
            &self.public_key,
        ]);
        assert!(message.contains(says), "{name}: {message}");
        assert!(message.starts_with("error: "), "{name}: {message}");
        assert_eq!(before, self.laptop.dump(), "{name} changed the catalog");
        let inspected = self
            .laptop
            .run(&["snapshot", "inspect", path.to_str().expect("utf8")]);
        let expected = if damaged { 1 } else { 0 };
        assert_eq!(
            inspected.status.code(),
            Some(expected),
            "{name}: inspect exit code"
        );
    }
}

#[test]
fn damaged_files_are_refused_and_the_catalog_is_left_as_it_was() {
    let s = setup();
    let good = &s.good;
    for at in [10, 40, good.len() / 3, good.len() / 2, good.len() - 1] {
        s.refused(
            &format!("cut-{at}"),
            &good[..at],
            "the snapshot is incomplete",
        );
    }
    for at in [60, 200, good.len() / 2, good.len() - 3] {
        let mut flipped = good.clone();
        flipped[at] ^= 0x01;
        s.refused(
            &format!("flip-{at}"),
            &flipped,
            "damaged or was changed after it was made",
        );
    }
    let mut newer = good.clone();
    newer[14] = 2;
    s.refused(
        "newer",
        &newer,
        "made by a newer Greenroom (format version 2",
    );
    s.refused(
        "yaml",
        b"apiVersion: backstage.io/v1alpha1\nkind: Component\n",
        "not a Greenroom snapshot",
    );

    // The signature's bytes, altered.
    let at = find(good, b"\"signature\":\"").expect("signature block") + 120;
    let mut forged = good.clone();
    forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
    s.refused("forged", &forged, "signature does not check");
}

#[test]
fn a_snapshot_signed_by_another_key_or_not_at_all_does_not_replace_a_signed_one() {
    let s = setup();
    // Someone else makes a snapshot claiming to be the platform team's, with their own key.
    let mallory_key = s.env.path("mallory.key");
    s.platform.ok(&[
        "snapshot",
        "keygen",
        "--out",
        mallory_key.to_str().expect("utf8"),
        "--signer",
        "Platform team",
    ]);
    let other = s.env.path("other.greenroom");
    s.platform.ok(&[
        "snapshot",
        "export",
        "--out",
        other.to_str().expect("utf8"),
        "--name",
        "Platform team",
        "--sign",
        mallory_key.to_str().expect("utf8"),
    ]);
    s.refused_import(
        "other-key",
        &std::fs::read(&other).expect("read"),
        "but the previous snapshot of Platform team was signed by key",
        false,
    );
    let unsigned = s.env.path("unsigned.greenroom");
    s.platform.ok(&[
        "snapshot",
        "export",
        "--out",
        unsigned.to_str().expect("utf8"),
        "--name",
        "Platform team",
    ]);
    s.refused_import(
        "unsigned",
        &std::fs::read(&unsigned).expect("read"),
        "but this one is not signed",
        false,
    );
}

/// Rewrites a good snapshot's docs through the real format, so that checksums match and
/// only the docs content is hostile.
fn with_docs(good: &[u8], edit: impl Fn(&mut serde_json::Value)) -> Vec<u8> {
    let mut snapshot = Snapshot::read(good, &Limits::default()).expect("good");
    let docs = snapshot.docs.as_mut().expect("docs");
    for site in &mut docs.sites {
        let mut value: serde_json::Value = serde_json::from_str(site.site.get()).expect("site");
        edit(&mut value);
        site.site = RawValue::from_string(value.to_string()).expect("json");
    }
    let mut manifest = snapshot.manifest.clone();
    manifest.origin.id = "platform-team-2".into();
    write_snapshot(
        manifest,
        &snapshot.catalog,
        Some((docs, &snapshot.assets)),
        None,
    )
    .expect("write")
}

/// Rewrites a good snapshot's catalog through the real format, so that checksums match and
/// only what the catalog section says is hostile: the kind of defect an import finds only
/// as it writes, after repositories before it went in.
fn with_catalog(good: &[u8], edit: impl Fn(&mut Snapshot)) -> Vec<u8> {
    let mut snapshot = Snapshot::read(good, &Limits::default()).expect("good");
    snapshot.manifest.origin.id = "platform-team-2".into();
    edit(&mut snapshot);
    let docs = snapshot
        .docs
        .as_ref()
        .map(|d| (d, snapshot.assets.as_slice()));
    write_snapshot(snapshot.manifest.clone(), &snapshot.catalog, docs, None).expect("write")
}

#[test]
fn a_catalog_found_unsound_while_it_is_written_leaves_no_trace() {
    let s = setup();
    let docs_before = docs_folders(&s);
    let twice = with_catalog(&s.good, |snapshot| {
        let first = snapshot.catalog.repos[0].clone();
        let counts = &mut snapshot.manifest.counts;
        counts.repos += 1;
        counts.files += first.files.len();
        counts.entities += first.files.iter().map(|f| f.entities.len()).sum::<usize>();
        counts.relations += first
            .files
            .iter()
            .flat_map(|f| &f.entities)
            .map(|e| e.relations.len())
            .sum::<usize>();
        counts.problems +=
            first.problems.len() + first.files.iter().map(|f| f.problems.len()).sum::<usize>();
        snapshot.catalog.repos.push(first);
    });
    s.refused("repeated-repository", &twice, "appears twice");
    let lying = with_catalog(&s.good, |snapshot| snapshot.manifest.counts.relations += 1);
    s.refused("lying-relations", &lying, "but its manifest says");
    assert_eq!(
        docs_folders(&s),
        docs_before,
        "staged docs were left behind"
    );
}

/// The folders of the laptop's snapshot docs cache.
fn docs_folders(s: &Setup) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(s.laptop.data.join("docs-cache/snapshots"))
        .map(|dir| {
            dir.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn docs_that_would_leave_the_docs_cache_are_refused_and_hostile_html_is_cleaned() {
    let s = setup();
    let escaping = with_docs(&s.good, |site| {
        site["pages"][0]["output_path"] = "../../../../escaped/index.html".into();
    });
    s.refused("escaping-page", &escaping, "climbs out of its folder");
    let absolute = with_docs(&s.good, |site| {
        if let Some(asset) = site["assets"].get_mut(0) {
            asset["src_uri"] = "/tmp/escaped.png".into();
        } else {
            site["pages"][0]["source_path"] = "/etc/escaped".into();
        }
    });
    s.refused("absolute-asset", &absolute, "is absolute");
    let missing_page = with_docs(&s.good, |site| {
        site["pages"][0]["next"] = 99.into();
    });
    s.refused(
        "missing-page",
        &missing_page,
        "links to a page that is not there",
    );
    assert!(!s.env.dir.path().join("escaped").exists());
    assert!(!std::path::Path::new("/tmp/escaped.png").exists());

    // Scripts and handlers in a page are removed on import, as in a repository's Markdown.
    let hostile = with_docs(&s.good, |site| {
        for page in site["pages"].as_array_mut().expect("pages") {
            let html = page["html"].as_str().expect("html").to_owned();
            page["html"] = format!("{html}<script>alert(1)</script><img src=\"x.png\" onerror=\"alert(2)\"><a href=\"javascript:alert(3)\">x</a>").into();
        }
    });
    let path = s.env.path("hostile.greenroom");
    std::fs::write(&path, hostile).expect("write");
    let fresh = s.env.machine("fresh");
    fresh.ok(&["snapshot", "import", path.to_str().expect("utf8")]);
    let site = s.env.path("hostile-site");
    fresh.ok(&[
        "docs",
        "build",
        "payments",
        "--out",
        site.to_str().expect("utf8"),
    ]);
    let page = std::fs::read_to_string(site.join("index.html")).expect("page");
    assert!(page.contains("Moves money"), "{page}");
    for bad in ["alert(1)", "onerror", "javascript:"] {
        assert!(!page.contains(bad), "{bad} survived: {page}");
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
