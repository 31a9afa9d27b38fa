//! The TypeScript types of every command's input, output and error, generated from the
//! Rust types with ts-rs and committed under ui/src/bindings. This test fails when they
//! are out of date; `GREENROOM_UPDATE_BINDINGS=1 cargo test -p greenroom-app bindings`
//! writes them again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ts_rs::{Config, TS};

fn export(dir: &Path) {
    let cfg = Config::new().with_large_int("number").with_out_dir(dir);
    macro_rules! export_all {
        ($($ty:ty),* $(,)?) => {
            $( <$ty>::export_all(&cfg).expect(concat!("exporting ", stringify!($ty))); )*
        };
    }
    use greenroom::catalog::store::*;
    export_all!(
        crate::error::CommandError,
        crate::commands::EntityDetails,
        crate::commands::AppInfo,
        EntityQuery,
        EntityPage,
        Facets,
        Graph,
        SearchHit,
        CatalogStats,
        SourceRecord,
        ProblemRecord,
        ChangeBatch,
        greenroom::Progress,
        greenroom::IndexReport,
        greenroom::demo::DemoSummary,
        greenroom::repo_files::ApiDefinition,
        greenroom::repo_files::DescriptorText,
        crate::account::AccountStatus,
        crate::account::SignInMethod,
        crate::account::SignInStep,
        crate::account::OrgSyncStep,
        crate::account::OrgSyncReport,
        crate::background_sync::BackgroundSyncStatus,
        RemoteRepoRecord,
        greenroom::SyncProgress,
        greenroom::SyncReport,
        crate::docs::DocsView,
        DocHit,
        crate::create::TemplateList,
        crate::create::TemplateDetails,
        greenroom::scaffolder::Plan,
        greenroom::scaffolder::DryRun,
        greenroom::scaffolder::RunOutcome,
        greenroom::scaffolder::Progress,
        crate::snapshots::ExportRequest,
        crate::snapshots::ImportRequest,
        greenroom::snapshot::SnapshotProgress,
        greenroom::snapshot::SnapshotInfo,
        greenroom::snapshot::ImportReport,
        greenroom::snapshot::ExportReport,
        greenroom::snapshot::SnapshotSource,
        greenroom::snapshot::RepoAvailability,
    );
}

fn files(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut found = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "ts") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            found.insert(PathBuf::from(entry.file_name()), text);
        }
    }
    found
}

#[test]
fn typescript_bindings_are_current() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings");
    if std::env::var_os("GREENROOM_UPDATE_BINDINGS").is_some() {
        let _ = std::fs::remove_dir_all(&committed);
        export(&committed);
        return;
    }
    let fresh = tempfile::tempdir().expect("a temporary folder");
    export(fresh.path());
    let (fresh, committed) = (files(fresh.path()), files(&committed));
    let stale: Vec<_> = fresh
        .keys()
        .chain(committed.keys())
        .filter(|name| fresh.get(*name) != committed.get(*name))
        .map(|name| name.display().to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(
        stale.is_empty(),
        "ui/src/bindings is out of date ({}); run `GREENROOM_UPDATE_BINDINGS=1 cargo test -p greenroom-app bindings` and commit the result",
        stale.join(", ")
    );
}
