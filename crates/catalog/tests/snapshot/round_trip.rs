//! A catalog exported and imported into an empty catalog is the same catalog; a newer
//! snapshot replaces the older one; local definitions win conflicts until the user says
//! otherwise; entities a repository could not define are refused.

use std::collections::BTreeMap;

use greenroom_catalog::snapshot::write_snapshot;
use greenroom_catalog::store::{EntityQuery, ProblemQuery};
use greenroom_catalog::{Catalog, Severity};
use serde_json::value::RawValue;

use crate::{Org, Write, component, export, import, import_as, indexed, indexes, manifest, read};

/// Everything the catalog shows about its entities, keyed by ref: the entity, where it was
/// read, its relations both ways, and the problems of its file.
fn shown(catalog: &Catalog) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for summary in catalog.list(&EntityQuery::default()).expect("list").items {
        let record = catalog
            .entity(&summary.key)
            .expect("entity")
            .expect("shown");
        let relations = catalog.relations_of(&summary.key).expect("relations");
        let mut problems: Vec<String> = catalog
            .problems(&ProblemQuery {
                entity: Some(summary.key.clone()),
                ..ProblemQuery::default()
            })
            .expect("problems")
            .into_iter()
            .filter(|p| p.problem.code != "conflict")
            .map(|p| {
                format!(
                    "{:?} {:?} {:?} {:?} {:?}",
                    p.repo, p.file, p.document, p.entity_ref, p.problem
                )
            })
            .collect();
        problems.sort();
        out.insert(
            summary.key.clone(),
            format!(
                "{}\n{:?}\n{:?}\n{:?}\n{problems:?}",
                serde_json::to_string(&record.entity).expect("json"),
                record.location,
                relations,
                summary
                    .tags
                    .iter()
                    .chain([&summary.name])
                    .collect::<Vec<_>>(),
            ),
        );
    }
    out
}

fn all_problems(catalog: &Catalog) -> Vec<String> {
    let mut problems: Vec<String> = catalog
        .problems(&ProblemQuery::default())
        .expect("problems")
        .into_iter()
        .filter(|p| p.problem.code != "conflict")
        .map(|p| {
            format!(
                "{:?} {:?} {:?} {:?} {:?}",
                p.repo, p.file, p.document, p.entity_ref, p.problem
            )
        })
        .collect();
    problems.sort();
    problems
}

#[test]
fn a_catalog_comes_back_entity_for_entity_and_relation_for_relation() {
    round_trip(Write::RowByRow);
}

#[test]
fn a_catalog_written_in_bulk_comes_back_the_same_with_its_indexes() {
    round_trip(Write::Bulk);
}

fn round_trip(write: Write) {
    let org = Org::sample();
    let work = tempfile::tempdir().expect("tempdir");
    let source = indexed(&org, work.path(), &Org::REPOS);
    let bytes = export(&source, None);

    let empty = tempfile::tempdir().expect("tempdir");
    let mut target = Catalog::open(&empty.path().join("catalog.db")).expect("open");
    let written = import_as(&mut target, &bytes, None, 50, write);
    assert_eq!(
        indexes(empty.path()),
        indexes(work.path()),
        "every index is back, as the migrations made it"
    );
    assert!(written.created);
    assert_eq!(written.shadowed + written.overriding, 0);

    let before = shown(&source);
    let after = shown(&target);
    assert_eq!(before.len(), 11, "the sample's valid entities");
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (key, want) in &before {
        assert_eq!(want, &after[key], "{key} differs after the round trip");
    }
    assert_eq!(all_problems(&source), all_problems(&target));
    let errors = all_problems(&target);
    assert!(
        errors
            .iter()
            .any(|p| p.contains("Error") && p.contains("services/worker")),
        "the invalid document's error travels with the snapshot: {errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|p| p.contains("Warning") && p.contains("ownr")),
        "the misspelt key's warning travels too: {errors:?}"
    );
    let (a, b) = (
        source.stats().expect("stats"),
        target.stats().expect("stats"),
    );
    assert_eq!(
        (a.entities, a.relations, a.errors, a.warnings),
        (b.entities, b.relations, b.errors, b.warnings)
    );
    // Search finds imported entities as it finds local ones.
    let hits: Vec<String> = target
        .search("payme", 10)
        .expect("search")
        .into_iter()
        .map(|h| h.key)
        .collect();
    assert!(
        hits.contains(&"component:default/payments".to_owned()),
        "{hits:?}"
    );
}

#[test]
fn entities_travel_without_their_location_which_an_older_snapshot_may_still_carry() {
    let org = Org::sample();
    let work = tempfile::tempdir().expect("tempdir");
    let source = indexed(&org, work.path(), &Org::REPOS);
    let mut exported = source.export_catalog(&[]).expect("export");
    const KEYS: [&str; 2] = [
        "backstage.io/managed-by-location",
        "backstage.io/managed-by-origin-location",
    ];
    // Each entity's location is in its repository and file, not in the entity.
    let mut entities = 0;
    for repo in &mut exported.content.repos {
        for file in &mut repo.files {
            let location = format!("{}{}", repo.location, file.path);
            for entity in &mut file.entities {
                entities += 1;
                let mut json: serde_json::Value =
                    serde_json::from_str(entity.entity.get()).expect("json");
                let annotations = &mut json["metadata"]["annotations"];
                for key in KEYS {
                    assert!(annotations.get(key).is_none(), "{}", entity.entity.get());
                }
                // As Greenroom wrote snapshots before schema 7.
                if !annotations.is_object() {
                    *annotations = serde_json::json!({});
                }
                for key in KEYS {
                    annotations[key] = location.clone().into();
                }
                entity.entity = RawValue::from_string(json.to_string()).expect("json");
            }
        }
    }
    assert!(entities >= 11);
    let older = write_snapshot(manifest(&exported), &exported.content, None, None).expect("write");

    let (newer_dir, older_dir) = (
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
    );
    let mut newer = Catalog::open(&newer_dir.path().join("catalog.db")).expect("open");
    let mut from_older = Catalog::open(&older_dir.path().join("catalog.db")).expect("open");
    let first = import(&mut newer, &export(&source, None), None, 50);
    import(&mut from_older, &older, None, 50);
    assert_eq!(shown(&from_older), shown(&newer));
    assert_eq!(shown(&newer), shown(&source));
    // Its files differ from the newer snapshot's, but what is stored of its entities does not.
    let again = import(&mut newer, &older, Some(first.source_id), 50);
    assert!(again.stats.files_changed > 0);
    assert_eq!(
        (again.stats.added, again.stats.updated, again.stats.removed),
        (0, 0, 0)
    );
    let record = newer
        .entity("component:default/payments")
        .expect("query")
        .expect("shown");
    let location = record.location.expect("location");
    for key in KEYS {
        let annotation = record.entity.annotation(key).expect("made again when read");
        assert!(
            annotation.starts_with("file:")
                && annotation.ends_with(&format!("{}/{}", location.repo, location.file)),
            "{key}: {annotation}"
        );
    }
}

#[test]
fn the_same_catalog_exports_to_the_same_bytes() {
    let org = Org::sample();
    let one = tempfile::tempdir().expect("tempdir");
    let two = tempfile::tempdir().expect("tempdir");
    let first = indexed(&org, one.path(), &Org::REPOS);
    let mut reversed = Org::REPOS;
    reversed.reverse();
    let second = indexed(&org, two.path(), &reversed);
    let bytes = export(&first, None);
    assert_eq!(bytes, export(&first, None), "exporting twice");
    assert_eq!(
        bytes,
        export(&second, None),
        "the same catalog indexed in another order"
    );
    let snapshot = read(&bytes).expect("reads");
    assert_eq!(
        snapshot.manifest.counts.entities,
        first.stats().expect("stats").entities
    );
    assert!(snapshot.manifest.counts.api_definitions == 1);
}

#[test]
fn a_newer_snapshot_replaces_the_older_one() {
    replacement(Write::RowByRow);
}

#[test]
fn a_newer_snapshot_written_in_bulk_replaces_the_older_one() {
    replacement(Write::Bulk);
}

fn replacement(write: Write) {
    let org = Org::sample();
    let work = tempfile::tempdir().expect("tempdir");
    let mut source = indexed(&org, work.path(), &Org::REPOS);
    let first = export(&source, None);

    let target_dir = tempfile::tempdir().expect("tempdir");
    let mut target = Catalog::open(&target_dir.path().join("catalog.db")).expect("open");
    let imported = import_as(&mut target, &first, None, 50, write);

    // The publisher changes a description, removes the commerce repository and adds a
    // service, then exports again.
    org.write(
        "payments",
        "catalog-info.yaml",
        &component("payments", "  system: commerce\n")
            .replace("The payments service", "Takes payments"),
    );
    org.write("billing", "catalog-info.yaml", &component("billing", ""));
    let id = source.sources().expect("sources")[0].id;
    source
        .apply(greenroom_catalog::store::SourceIndex {
            source_id: id,
            repos: ["people", "payments", "checkout", "billing"]
                .iter()
                .map(|r| org.repo(r))
                .collect(),
            complete: true,
            problems: Vec::new(),
        })
        .expect("re-index");
    let second = export(&source, None);
    let replaced = import_as(&mut target, &second, Some(imported.source_id), 50, write);
    assert!(!replaced.created);
    assert_eq!(replaced.source_id, imported.source_id);
    assert_eq!(
        target.sources().expect("sources").len(),
        1,
        "still one snapshot source"
    );
    assert!(
        replaced.stats.added >= 1,
        "billing is new: {:?}",
        replaced.stats
    );
    assert!(
        replaced.stats.updated >= 1,
        "payments changed: {:?}",
        replaced.stats
    );
    assert!(
        replaced.stats.removed >= 3,
        "commerce, sales, payments-api and payments-db went: {:?}",
        replaced.stats
    );
    assert_eq!(shown(&source), shown(&target));
    assert!(
        target
            .entity("system:default/commerce")
            .expect("query")
            .is_none()
    );
    assert_eq!(
        target
            .entity("component:default/payments")
            .expect("query")
            .expect("shown")
            .entity
            .metadata
            .description
            .as_deref(),
        Some("Takes payments")
    );
    // Importing the same snapshot again changes nothing.
    let again = import_as(&mut target, &second, Some(imported.source_id), 50, write);
    assert_eq!(
        (again.stats.added, again.stats.updated, again.stats.removed),
        (0, 0, 0)
    );
    assert_eq!(
        again.stats.files_changed, 0,
        "unchanged files are not rewritten"
    );
}

#[test]
fn local_definitions_win_conflicts_and_priority_decides() {
    conflicts(Write::RowByRow);
}

#[test]
fn local_definitions_win_conflicts_with_a_snapshot_written_in_bulk() {
    conflicts(Write::Bulk);
}

fn conflicts(write: Write) {
    let org = Org::sample();
    let work = tempfile::tempdir().expect("tempdir");
    let source = indexed(&org, work.path(), &Org::REPOS);
    let bytes = export(&source, None);

    // This machine has its own copy of payments, with another description.
    let mine = Org::new();
    mine.write(
        "payments",
        "catalog-info.yaml",
        &component("payments", "").replace("The payments service", "My local payments"),
    );
    let target_dir = tempfile::tempdir().expect("tempdir");
    let mut target = indexed(&mine, target_dir.path(), &["payments"]);
    let written = import_as(&mut target, &bytes, None, 50, write);
    assert_eq!(written.shadowed, 1, "the snapshot's payments is hidden");
    assert_eq!(written.overriding, 0);
    assert_eq!(
        written.conflicts,
        vec!["component:default/payments".to_owned()]
    );
    let payments = |c: &Catalog| {
        c.entity("component:default/payments")
            .expect("query")
            .expect("shown")
            .entity
            .metadata
            .description
            .clone()
    };
    assert_eq!(payments(&target).as_deref(), Some("My local payments"));
    let conflicts: Vec<_> = target
        .problems(&ProblemQuery {
            severity: Some(Severity::Error),
            ..ProblemQuery::default()
        })
        .expect("problems")
        .into_iter()
        .filter(|p| p.problem.code == "conflict")
        .collect();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(
        conflicts[0].source_id, written.source_id,
        "the conflict is the snapshot's: {conflicts:?}"
    );
    assert!(
        conflicts[0].problem.message.contains("takes precedence"),
        "{:?}",
        conflicts[0]
    );

    // The user prefers the snapshot.
    target
        .set_source_priority(written.source_id, 200)
        .expect("priority");
    assert_eq!(payments(&target).as_deref(), Some("The payments service"));
    // Everything else of the snapshot was never in conflict.
    assert_eq!(
        target.stats().expect("stats").entities,
        source.stats().expect("stats").entities
    );
}

#[test]
fn entities_a_repository_could_not_define_are_refused() {
    let org = Org::sample();
    let work = tempfile::tempdir().expect("tempdir");
    let source = indexed(&org, work.path(), &Org::REPOS);
    let mut exported = source.export_catalog(&[]).expect("export");
    // A hand-made snapshot whose checksums are right but whose entities are not.
    let file = exported
        .content
        .repos
        .iter_mut()
        .find(|r| r.name == "payments")
        .expect("repo")
        .files
        .first_mut()
        .expect("file");
    let bad = file.entities[0]
        .entity
        .get()
        .replace("\"name\":\"payments\"", "\"name\":\"pay ments!\"");
    file.entities[0].entity = RawValue::from_string(bad).expect("json");
    let tampered_kind = file.entities[1]
        .entity
        .get()
        .replace("\"kind\":\"API\"", "\"kind\":\"NotAKind\"");
    file.entities[1].entity = RawValue::from_string(tampered_kind).expect("json");
    let bytes = write_snapshot(manifest(&exported), &exported.content, None, None).expect("write");

    let target_dir = tempfile::tempdir().expect("tempdir");
    let mut target = Catalog::open(&target_dir.path().join("catalog.db")).expect("open");
    let snapshot = read(&bytes).expect("the file itself is sound");
    let (valid, errors) = snapshot.validation_summary();
    assert_eq!(valid, exported.counts.entities - 2);
    assert_eq!(errors.len(), 2, "{errors:?}");
    import(&mut target, &bytes, None, 50);
    assert!(
        target
            .entity("component:default/payments")
            .expect("query")
            .is_none()
    );
    assert!(
        target
            .entity("resource:default/payments-db")
            .expect("query")
            .is_some()
    );
    let refused: Vec<_> = target
        .problems(&ProblemQuery {
            severity: Some(Severity::Error),
            ..ProblemQuery::default()
        })
        .expect("problems")
        .into_iter()
        .filter(|p| {
            p.file.as_deref() == Some("catalog-info.yaml")
                && p.repo.as_deref().is_some_and(|r| r.ends_with("payments"))
        })
        .collect();
    assert!(refused.len() >= 2, "{refused:?}");
}

#[test]
fn a_write_refused_part_way_keeps_nothing() {
    use greenroom_catalog::store::{
        NewSource, SnapshotPart, SnapshotWrite, SourceKind, StoreError,
    };

    let org = Org::sample();
    let work = tempfile::tempdir().expect("tempdir");
    let mut source = indexed(&org, work.path(), &Org::REPOS);
    let first = export(&source, None);
    org.write("billing", "catalog-info.yaml", &component("billing", ""));
    let id = source.sources().expect("sources")[0].id;
    source
        .apply(greenroom_catalog::store::SourceIndex {
            source_id: id,
            repos: ["people", "billing"].iter().map(|r| org.repo(r)).collect(),
            complete: true,
            problems: Vec::new(),
        })
        .expect("re-index");
    let second = read(&export(&source, None)).expect("read");

    for write in [Write::RowByRow, Write::Bulk] {
        let target_dir = tempfile::tempdir().expect("tempdir");
        let mut target = Catalog::open(&target_dir.path().join("catalog.db")).expect("open");
        let imported = import_as(&mut target, &first, None, 50, write);
        // The second snapshot, replacing the first, in these parts.
        let replacing = |parts| SnapshotWrite {
            existing: Some(imported.source_id),
            source: NewSource {
                kind: SourceKind::Snapshot,
                target: "snapshot:platform-team".into(),
                name: "Platform team snapshot, later".into(),
                settings: serde_json::json!({}),
                priority: 50,
            },
            parts,
            entities: match write {
                Write::RowByRow => second.manifest.counts.entities,
                Write::Bulk => 1_000_000,
            },
            sites: Vec::new(),
        };
        let (before, problems_before) = (shown(&target), all_problems(&target));
        let sources_before = target.sources().expect("sources");
        let mut repos = second.repo_indexes();
        let last = repos.pop().expect("two repositories");
        // Refused after a chunk was written, or ended without saying it is complete (a
        // reader that died).
        for ending in [vec![SnapshotPart::Refused], Vec::new()] {
            let mut parts = vec![SnapshotPart::Repos(repos.clone())];
            parts.extend(ending);
            let error = target
                .write_snapshot_source(replacing(parts))
                .expect_err("refused");
            assert!(matches!(error, StoreError::Refused), "{error}");
            assert_eq!(shown(&target), before, "{write:?}");
            assert_eq!(all_problems(&target), problems_before);
            assert_eq!(target.sources().expect("sources"), sources_before);
        }
        // The same parts with their end are written, indexes and all.
        let written = target
            .write_snapshot_source(replacing(vec![
                SnapshotPart::Repos(repos.clone()),
                SnapshotPart::Repos(vec![last.clone()]),
                SnapshotPart::End(second.catalog.problems.clone()),
            ]))
            .expect("written");
        assert!(!written.created);
        assert_eq!(shown(&target), shown(&source), "{write:?}");
    }
}

#[test]
fn a_new_source_write_that_fails_or_unwinds_leaves_foreign_keys_checked() {
    use greenroom_catalog::store::{NewSource, RepoIndex, SnapshotPart, SnapshotWrite, SourceKind};

    fn new_source<P>(parts: P) -> SnapshotWrite<P> {
        SnapshotWrite {
            existing: None,
            source: NewSource {
                kind: SourceKind::Snapshot,
                target: "snapshot:platform-team".into(),
                name: "Platform team snapshot".into(),
                settings: serde_json::json!({}),
                priority: 50,
            },
            parts,
            entities: 1_000_000,
            sites: Vec::new(),
        }
    }

    let org = Org::sample();
    let work = tempfile::tempdir().expect("tempdir");
    let mut catalog = indexed(&org, work.path(), &Org::REPOS);
    let folder = catalog.sources().expect("sources")[0].id;
    let repos = read(&export(&catalog, None)).expect("read").repo_indexes();
    // A new source is written without foreign-key checks; a write that is refused, and one
    // whose reader panics after handing over repositories, must both leave them on.
    assert!(
        catalog
            .write_snapshot_source(new_source(vec![
                SnapshotPart::Repos(repos.clone()),
                SnapshotPart::Refused,
            ]))
            .is_err()
    );
    let mut handed = Some(SnapshotPart::Repos(repos));
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        catalog.write_snapshot_source(new_source(std::iter::from_fn(
            || -> Option<SnapshotPart<RepoIndex>> {
                Some(handed.take().unwrap_or_else(|| panic!("the reader died")))
            },
        )))
    }));
    assert!(unwound.is_err());

    // Removing the folder source removes its rows only through the foreign keys' cascades.
    catalog.remove_source(folder).expect("remove");
    assert_eq!(catalog.sources().expect("sources"), Vec::new());
    assert_eq!(
        catalog.list(&EntityQuery::default()).expect("list").total,
        0
    );
    crate::assert_foreign_keys_hold(&catalog);
}
