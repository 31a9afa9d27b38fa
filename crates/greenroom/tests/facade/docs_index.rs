//! Indexing with docs, as the app's index command does: the catalog, then every site, with
//! one progress stream, and the sections searchable at the end.

use std::sync::Mutex;

use greenroom::docs::DocsProgress;
use greenroom::{Greenroom, Progress};

use crate::git_repo;

#[test]
fn an_index_with_docs_reports_both_and_makes_sections_searchable() {
    let dir = tempfile::tempdir().expect("a folder");
    git_repo(
        &dir.path().join("repos/payments"),
        &[
            (
                "catalog-info.yaml",
                "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n",
            ),
            (
                "mkdocs.yml",
                "site_name: Payments\nnav:\n  - Home: index.md\n",
            ),
            (
                "docs/index.md",
                "# Payments\n\n## Refunds\n\nA refund returns the captured amount.\n",
            ),
        ],
    );
    let mut greenroom = Greenroom::open(&dir.path().join("data")).expect("a data folder");
    greenroom
        .add_folder(&dir.path().join("repos"), &[])
        .expect("the folder added");
    let events = Mutex::new(Vec::new());
    let (reports, docs) = greenroom
        .index_with_docs(None, &|event| events.lock().expect("events").push(event))
        .expect("indexed");
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].stats.added, 1, "{reports:?}");
    assert_eq!((docs.sites, docs.pages), (1, 1), "{docs:?}");
    let events = events.into_inner().expect("events");
    let finished = events
        .iter()
        .position(|e| matches!(e, Progress::SourceFinished { .. }))
        .expect("the catalog's end");
    let docs_events: Vec<_> = events[finished..]
        .iter()
        .filter_map(|e| match e {
            Progress::Docs { progress } => Some(progress.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        docs_events,
        [
            DocsProgress::Started { sites: 1 },
            DocsProgress::Built {
                done: 1,
                total: 1,
                name: "payments".into()
            }
        ]
    );
    let hits = greenroom
        .catalog()
        .search_docs("refund", None, 5)
        .expect("a search");
    assert_eq!(hits[0].anchor.as_deref(), Some("refunds"), "{hits:?}");
    assert_eq!(
        hits[0].entity.as_deref(),
        Some("component:default/payments")
    );
}
