//! Entity documents that arrive as JSON instead of YAML (a catalog snapshot made on another
//! machine), read as if they were a repository's descriptor file: every document goes
//! through the same validation, so a snapshot can put nothing in the catalog that a
//! repository could not.

use std::collections::HashSet;

use greenroom_yaml::{Mark, Node};

use super::{DescriptorFile, FileProblem, ReadEntity};
use crate::problem::Problem;
use crate::rules::validate_owned_document;

/// One entity document of a file, as JSON text.
#[derive(Debug, Clone, Copy)]
pub struct JsonDocument<'a> {
    /// Index of the document in its original file, from 0.
    pub document: usize,
    /// Line where the document started in its original file.
    pub line: u32,
    /// The entity, as JSON.
    pub json: &'a str,
}

/// Builds a [`DescriptorFile`] from JSON documents. `known` are problems the file already
/// had where it was first read; validation findings that repeat one of them are not added
/// again. Only valid documents become entities; the others become errors of the file.
pub fn read_json_documents(
    path: &str,
    documents: &[JsonDocument<'_>],
    known: Vec<FileProblem>,
) -> DescriptorFile {
    // The bytes the content hash covers, hashed at once at the end: BLAKE3 hashes a long
    // input on all SIMD lanes, and a document at a time (about 1 KiB) on one.
    let mut hashed: Vec<u8> =
        Vec::with_capacity(32 + documents.iter().map(|d| d.json.len() + 20).sum::<usize>());
    hashed.extend_from_slice(b"greenroom-json-documents\0");
    let mut file = DescriptorFile {
        path: path.to_owned(),
        content_hash: String::new(),
        entities: Vec::with_capacity(documents.len()),
        problems: known,
    };
    let seen_problems: HashSet<(Option<usize>, String, Option<String>, String)> = file
        .problems
        .iter()
        .map(|p| {
            (
                p.document,
                p.problem.code.clone(),
                p.problem.field.clone(),
                p.problem.message.clone(),
            )
        })
        .collect();
    let mut seen = HashSet::new();
    for doc in documents {
        hashed.extend_from_slice(&(doc.document as u64).to_le_bytes());
        hashed.extend_from_slice(&doc.line.to_le_bytes());
        hashed.extend_from_slice(&(doc.json.len() as u64).to_le_bytes());
        hashed.extend_from_slice(doc.json.as_bytes());
        let mark = Mark::new(doc.line.max(1), 1);
        let root = match Node::from_json_str(doc.json, mark) {
            Ok(root) => root,
            Err(e) => {
                file.problems.push(FileProblem {
                    document: Some(doc.document),
                    entity_ref: None,
                    problem: Problem::error(
                        "invalid-json",
                        format!("the entity is not valid JSON: {e}"),
                    )
                    .at(mark),
                });
                continue;
            }
        };
        let verdict = validate_owned_document(root);
        let entity_ref = verdict.entity.as_ref().map(|e| e.entity_ref().key());
        for problem in verdict.problems {
            let key = (
                Some(doc.document),
                problem.code.clone(),
                problem.field.clone(),
                problem.message.clone(),
            );
            if !seen_problems.contains(&key) {
                file.problems.push(FileProblem {
                    document: Some(doc.document),
                    entity_ref: entity_ref.clone(),
                    problem,
                });
            }
        }
        let Some(entity) = verdict.entity else {
            continue;
        };
        let key = entity.entity_ref().key();
        if !seen.insert(key.clone()) {
            file.problems.push(FileProblem {
                document: Some(doc.document),
                entity_ref: Some(key.clone()),
                problem: Problem::warning(
                    "duplicate-entity",
                    format!("{key} is defined again in this file; the first definition is used and this one is ignored"),
                )
                .at(mark),
            });
            continue;
        }
        file.entities.push(ReadEntity {
            entity,
            document: doc.document,
            line: doc.line,
            stored: None,
        });
    }
    file.content_hash = blake3::hash(&hashed).to_hex().to_string();
    file
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_documents_become_entities_and_invalid_ones_errors() {
        let good = r#"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"payments"},
            "spec":{"type":"service","lifecycle":"production","owner":"team-a"}}"#;
        let bad = r#"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"not valid!"},
            "spec":{"type":"service","lifecycle":"production","owner":"team-a"}}"#;
        let file = read_json_documents(
            "catalog-info.yaml",
            &[
                JsonDocument {
                    document: 0,
                    line: 1,
                    json: good,
                },
                JsonDocument {
                    document: 1,
                    line: 9,
                    json: bad,
                },
                JsonDocument {
                    document: 2,
                    line: 20,
                    json: "{not json",
                },
            ],
            Vec::new(),
        );
        assert_eq!(file.entities.len(), 1);
        assert_eq!(file.entities[0].entity.metadata.name, "payments");
        assert_eq!(file.entities[0].line, 1);
        let codes: Vec<(Option<usize>, &str)> = file
            .problems
            .iter()
            .filter(|p| p.problem.is_error())
            .map(|p| (p.document, p.problem.code.as_str()))
            .collect();
        assert!(codes.contains(&(Some(2), "invalid-json")), "{codes:?}");
        assert!(codes.iter().any(|(d, _)| *d == Some(1)), "{codes:?}");
        assert_eq!(
            file.problems
                .iter()
                .find(|p| p.document == Some(1))
                .map(|p| p.problem.line),
            Some(Some(9))
        );
    }

    #[test]
    fn entities_read_as_json_equal_those_read_as_yaml_numbers_included() {
        // Read straight from the JSON text, an entity must still be the one a node gives,
        // whose whole floats are integers (as in JavaScript).
        let json = r#"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"x"},
            "spec":{"type":"service","lifecycle":"production","owner":"team-a","replicas":2.0,"ratio":0.5,"big":18446744073709551615}}"#;
        let yaml = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n\
                    spec:\n  type: service\n  lifecycle: production\n  owner: team-a\n  replicas: 2.0\n  ratio: 0.5\n  big: 18446744073709551615\n";
        let from_json = read_json_documents(
            "a.yaml",
            &[JsonDocument {
                document: 0,
                line: 1,
                json,
            }],
            Vec::new(),
        );
        let documents = greenroom_yaml::parse_documents(yaml, &greenroom_yaml::Limits::default());
        let root = documents[0].content.as_ref().expect("valid YAML");
        let from_yaml = crate::rules::validate_document(root)
            .entity
            .expect("a valid entity");
        assert_eq!(from_json.entities[0].entity.spec, from_yaml.spec);
        assert_eq!(from_json.entities[0].entity.spec["replicas"], 2);
        let plain = r#"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"y"},
            "spec":{"type":"service","lifecycle":"production","owner":"team-a","replicas":3}}"#;
        let file = read_json_documents(
            "b.yaml",
            &[JsonDocument {
                document: 0,
                line: 1,
                json: plain,
            }],
            Vec::new(),
        );
        assert_eq!(file.entities[0].entity.spec["replicas"], 3);
        assert_eq!(file.entities[0].entity.metadata.namespace, "default");
    }

    #[test]
    fn known_problems_are_not_repeated_and_the_hash_follows_the_content() {
        let doc = r#"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"x"},
            "spec":{"type":"service","lifecycle":"production","owner":"team-a","ownr":"typo"}}"#;
        let first = read_json_documents(
            "a.yaml",
            &[JsonDocument {
                document: 0,
                line: 3,
                json: doc,
            }],
            Vec::new(),
        );
        let warnings: Vec<FileProblem> = first.problems.clone();
        assert!(!warnings.is_empty(), "a misspelt spec key is a warning");
        let again = read_json_documents(
            "a.yaml",
            &[JsonDocument {
                document: 0,
                line: 3,
                json: doc,
            }],
            warnings.clone(),
        );
        assert_eq!(again.problems, warnings);
        assert_eq!(again.content_hash, first.content_hash);
        let moved = read_json_documents(
            "a.yaml",
            &[JsonDocument {
                document: 0,
                line: 4,
                json: doc,
            }],
            Vec::new(),
        );
        assert_ne!(moved.content_hash, first.content_hash);
    }
}
