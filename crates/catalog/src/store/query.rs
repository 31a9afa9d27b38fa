//! Reading the catalog: one entity, filtered and sorted lists with facet counts, relations,
//! ownership, and problems.

use std::collections::BTreeSet;

use rusqlite::types::Value as SqlValue;
use rusqlite::{OptionalExtension, Row, params, params_from_iter};
use serde::{Deserialize, Serialize};

use super::search::fts_query;
use super::sources::SourceKind;
use super::stored::locate;
use super::{Catalog, StoreError};
use crate::model::entity::Entity;
use crate::model::relation::RelationType;
use crate::problem::{Problem, Severity};

/// An entity as the catalog shows it, with where it comes from.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityRecord {
    /// Canonical ref, e.g. `component:default/payments`.
    pub key: String,
    /// The entity.
    pub entity: Entity,
    /// The source that defines it.
    pub source_id: i64,
    /// The source's name.
    pub source_name: String,
    /// The source's kind.
    pub source_kind: SourceKind,
    /// The repository and file it was read from, for file-based sources.
    pub location: Option<EntityLocation>,
}

/// Where an entity was read from.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityLocation {
    /// The repository: an absolute folder path or a URL.
    pub repo: String,
    /// The file, relative to the repository.
    pub file: String,
    /// The document in the file, from 0.
    pub document: i64,
    /// The line where the document's content starts.
    pub line: Option<i64>,
    /// The commit of the repository when it was read.
    pub commit: Option<String>,
    /// The branch, if on one.
    pub branch: Option<String>,
    /// Where the repository can be cloned from.
    pub remote_url: Option<String>,
}

/// One row of an entity list.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntitySummary {
    /// Canonical ref.
    pub key: String,
    /// Kind, as written.
    pub kind: String,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Display title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// `spec.type`.
    #[serde(rename = "type")]
    pub spec_type: Option<String>,
    /// `spec.lifecycle`.
    pub lifecycle: Option<String>,
    /// Owner (canonical ref).
    pub owner: Option<String>,
    /// System (canonical ref).
    pub system: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// The defining source.
    pub source_id: i64,
    /// Errors in the entity's file.
    pub error_count: i64,
}

/// What to sort lists by.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortField {
    /// Name, then kind.
    #[default]
    Name,
    /// Kind, then name.
    Kind,
    /// Type, then name.
    Type,
    /// Owner, then name.
    Owner,
    /// Lifecycle, then name.
    Lifecycle,
    /// System, then name.
    System,
    /// Title (or name), then name.
    Title,
}

impl SortField {
    fn column(self) -> &'static str {
        match self {
            SortField::Name => "e.name COLLATE NOCASE",
            SortField::Kind => "lower(e.kind)",
            SortField::Type => "e.spec_type COLLATE NOCASE",
            SortField::Owner => "e.owner_ref",
            SortField::Lifecycle => "e.lifecycle COLLATE NOCASE",
            SortField::System => "e.system_ref",
            SortField::Title => "coalesce(e.title, e.name) COLLATE NOCASE",
        }
    }
}

/// Filters, sort and page of an entity list. Values within one filter are alternatives;
/// filters combine with AND. Matching ignores case.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EntityQuery {
    /// Kinds, e.g. `component`.
    pub kinds: Vec<String>,
    /// `spec.type` values.
    pub types: Vec<String>,
    /// Owners, as canonical refs (`group:default/team-a`).
    pub owners: Vec<String>,
    /// `spec.lifecycle` values.
    pub lifecycles: Vec<String>,
    /// Systems, as canonical refs.
    pub systems: Vec<String>,
    /// Namespaces.
    pub namespaces: Vec<String>,
    /// Tags; an entity matches when it has any of them.
    pub tags: Vec<String>,
    /// Source ids.
    pub sources: Vec<i64>,
    /// Full-text search words (prefix matching).
    pub text: Option<String>,
    /// Only entities whose file has errors.
    pub with_errors: bool,
    /// Sort order.
    pub sort: SortField,
    /// Reverse the order.
    pub descending: bool,
    /// Rows to skip.
    pub offset: usize,
    /// Rows to return (all when `None`).
    pub limit: Option<usize>,
}

/// A page of an entity list.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityPage {
    /// The rows.
    pub items: Vec<EntitySummary>,
    /// How many match in all.
    pub total: usize,
}

/// How many entities have a value, for a filter's choices.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetCount {
    /// The value.
    pub value: String,
    /// How many entities have it.
    pub count: usize,
}

/// The choices of every filter, each counted with the other filters applied.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    /// Kinds.
    pub kinds: Vec<FacetCount>,
    /// Types.
    pub types: Vec<FacetCount>,
    /// Owners.
    pub owners: Vec<FacetCount>,
    /// Lifecycles.
    pub lifecycles: Vec<FacetCount>,
    /// Systems.
    pub systems: Vec<FacetCount>,
    /// Namespaces.
    pub namespaces: Vec<FacetCount>,
    /// Tags.
    pub tags: Vec<FacetCount>,
    /// Source ids.
    pub sources: Vec<FacetCount>,
}

/// An entity related to another, seen from that other.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Related {
    /// The relation from the entity asked about to this one.
    #[serde(rename = "type")]
    pub relation_type: RelationType,
    /// This entity's canonical ref.
    pub key: String,
    /// Its kind, when it is in the catalog.
    pub kind: Option<String>,
    /// Its title, when it is in the catalog and has one.
    pub title: Option<String>,
    /// The relation points at an entity the catalog does not have.
    pub missing: bool,
}

/// Which problems to list.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ProblemQuery {
    /// Only this source's.
    pub source_id: Option<i64>,
    /// Only those of the file that defines this entity, plus any about it.
    pub entity: Option<String>,
    /// Only this severity.
    pub severity: Option<Severity>,
    /// At most this many.
    pub limit: Option<usize>,
}

/// A stored problem with its place.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemRecord {
    /// The source.
    pub source_id: i64,
    /// The source's name.
    pub source_name: String,
    /// The repository, if the problem is in one.
    pub repo: Option<String>,
    /// The file, relative to the repository.
    pub file: Option<String>,
    /// The document, from 0.
    pub document: Option<i64>,
    /// The entity the document defines or meant to define.
    pub entity_ref: Option<String>,
    /// The problem.
    #[serde(flatten)]
    pub problem: Problem,
}

/// Counts for a summary.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogStats {
    /// Entities shown.
    pub entities: usize,
    /// Entities per kind.
    pub kinds: Vec<FacetCount>,
    /// Relations stored (declared direction).
    pub relations: usize,
    /// Errors.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Sources.
    pub sources: usize,
}

const SUMMARY_COLUMNS: &str =
    "e.ref, e.kind, e.namespace, e.name, e.title, e.description, e.spec_type, e.lifecycle,
    e.owner_ref, e.system_ref, e.tags, e.source_id,
    (SELECT count(*) FROM problems p WHERE p.file_id = e.file_id AND p.severity = 'error')";

fn summary_row(row: &Row<'_>) -> rusqlite::Result<EntitySummary> {
    let tags: String = row.get(10)?;
    Ok(EntitySummary {
        key: row.get(0)?,
        kind: row.get(1)?,
        namespace: row.get(2)?,
        name: row.get(3)?,
        title: row.get(4)?,
        description: row.get(5)?,
        spec_type: row.get(6)?,
        lifecycle: row.get(7)?,
        owner: row.get(8)?,
        system: row.get(9)?,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        source_id: row.get(11)?,
        error_count: row.get(12)?,
    })
}

/// The facets, each with the SQL expression it filters on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Facet {
    Kind,
    Type,
    Owner,
    Lifecycle,
    System,
    Namespace,
    Tag,
    Source,
}

impl Facet {
    const ALL: [Facet; 8] = [
        Facet::Kind,
        Facet::Type,
        Facet::Owner,
        Facet::Lifecycle,
        Facet::System,
        Facet::Namespace,
        Facet::Tag,
        Facet::Source,
    ];

    fn values(self, q: &EntityQuery) -> Vec<SqlValue> {
        let text = |v: &Vec<String>| v.iter().map(|s| SqlValue::Text(s.to_lowercase())).collect();
        match self {
            Facet::Kind => text(&q.kinds),
            Facet::Type => text(&q.types),
            Facet::Owner => text(&q.owners),
            Facet::Lifecycle => text(&q.lifecycles),
            Facet::System => text(&q.systems),
            Facet::Namespace => text(&q.namespaces),
            Facet::Tag => q.tags.iter().map(|t| SqlValue::Text(t.clone())).collect(),
            Facet::Source => q.sources.iter().map(|s| SqlValue::Integer(*s)).collect(),
        }
    }

    fn expression(self) -> &'static str {
        match self {
            Facet::Kind => "lower(e.kind)",
            Facet::Type => "lower(e.spec_type)",
            Facet::Owner => "e.owner_ref",
            Facet::Lifecycle => "lower(e.lifecycle)",
            Facet::System => "e.system_ref",
            Facet::Namespace => "lower(e.namespace)",
            Facet::Tag => "t.value",
            Facet::Source => "e.source_id",
        }
    }
}

/// WHERE clause and parameters for a query, leaving out one facet's own filter.
fn conditions(q: &EntityQuery, except: Option<Facet>) -> (String, Vec<SqlValue>) {
    let mut sql = String::from("e.active = 1");
    let mut values = Vec::new();
    for facet in Facet::ALL {
        if Some(facet) == except {
            continue;
        }
        let wanted = facet.values(q);
        if wanted.is_empty() {
            continue;
        }
        let marks = vec!["?"; wanted.len()].join(", ");
        if facet == Facet::Tag {
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM json_each(e.tags) WHERE value IN ({marks}))"
            ));
        } else {
            sql.push_str(&format!(" AND {} IN ({marks})", facet.expression()));
        }
        values.extend(wanted);
    }
    if let Some(text) = q.text.as_deref().and_then(fts_query) {
        sql.push_str(" AND e.id IN (SELECT rowid FROM entity_search WHERE entity_search MATCH ?)");
        values.push(SqlValue::Text(text));
    }
    if q.with_errors {
        sql.push_str(" AND EXISTS (SELECT 1 FROM problems p WHERE p.file_id = e.file_id AND p.severity = 'error')");
    }
    (sql, values)
}

impl Catalog {
    /// The entity with this canonical ref, if the catalog shows one.
    pub fn entity(&self, key: &str) -> Result<Option<EntityRecord>, StoreError> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT e.body, e.source_id, s.name, s.kind, r.path, f.path, e.document, e.line, r.head_commit, r.branch,
                        r.remote_url, r.location || f.path
                 FROM entities e JOIN sources s ON s.id = e.source_id
                 LEFT JOIN repos r ON r.id = e.repo_id LEFT JOIN files f ON f.id = e.file_id
                 WHERE e.ref = ?1 AND e.active = 1",
            )?
            .query_row([key.to_lowercase()], |r| {
                let body: String = r.get(0)?;
                let repo: Option<String> = r.get(4)?;
                let file: Option<String> = r.get(5)?;
                let location = match (repo, file) {
                    (Some(repo), Some(file)) => Some(EntityLocation {
                        repo,
                        file,
                        document: r.get(6)?,
                        line: r.get(7)?,
                        commit: r.get(8)?,
                        branch: r.get(9)?,
                        remote_url: r.get(10)?,
                    }),
                    _ => None,
                };
                let read_at: Option<String> = r.get(11)?;
                Ok((body, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, location, read_at))
            })
            .optional()?;
        let Some((body, source_id, source_name, source_kind, location, read_at)) = row else {
            return Ok(None);
        };
        let mut entity: Entity = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            reason: format!("entity {key}: {e}"),
        })?;
        if let Some(read_at) = read_at {
            locate(&mut entity, &read_at);
        }
        let source_kind = serde_json::from_value(serde_json::Value::String(source_kind))
            .unwrap_or(SourceKind::Folder);
        Ok(Some(EntityRecord {
            key: key.to_lowercase(),
            entity,
            source_id,
            source_name,
            source_kind,
            location,
        }))
    }

    /// Canonical refs of shown entities with this name (any kind or namespace), to turn a
    /// bare name that a person typed into a ref.
    pub fn refs_named(&self, name: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT ref FROM entities WHERE name = ?1 COLLATE NOCASE AND active = 1 ORDER BY ref",
        )?;
        let rows = stmt
            .query_map([name], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// A filtered, sorted page of entities.
    pub fn list(&self, q: &EntityQuery) -> Result<EntityPage, StoreError> {
        let (condition, values) = conditions(q, None);
        let total: i64 = self.conn.query_row(
            &format!("SELECT count(*) FROM entities e WHERE {condition}"),
            params_from_iter(values.iter()),
            |r| r.get(0),
        )?;
        let direction = if q.descending { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM entities e WHERE {condition}
             ORDER BY {} {direction}, e.name COLLATE NOCASE {direction}, e.ref {direction} LIMIT ? OFFSET ?",
            q.sort.column()
        );
        let mut all = values;
        all.push(SqlValue::Integer(q.limit.map_or(-1, |l| l as i64)));
        all.push(SqlValue::Integer(q.offset as i64));
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let items = stmt
            .query_map(params_from_iter(all.iter()), summary_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(EntityPage {
            items,
            total: total as usize,
        })
    }

    /// The choices of every filter with counts, each facet counted under the other filters.
    pub fn facets(&self, q: &EntityQuery) -> Result<Facets, StoreError> {
        let mut facets = Facets::default();
        for facet in Facet::ALL {
            let (condition, values) = conditions(q, Some(facet));
            let (join, expression) = match facet {
                Facet::Tag => (", json_each(e.tags) t", "t.value"),
                Facet::Kind => ("", "e.kind"),
                Facet::Type => ("", "e.spec_type"),
                Facet::Lifecycle => ("", "e.lifecycle"),
                Facet::Namespace => ("", "e.namespace"),
                other => ("", other.expression()),
            };
            let sql = format!(
                "SELECT {expression}, count(*) FROM entities e {join} WHERE {condition} AND {expression} IS NOT NULL
                 GROUP BY {} ORDER BY count(*) DESC, 1",
                facet.expression()
            );
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let counts: Vec<FacetCount> = stmt
                .query_map(params_from_iter(values.iter()), |r| {
                    let value: SqlValue = r.get(0)?;
                    let value = match value {
                        SqlValue::Integer(i) => i.to_string(),
                        SqlValue::Text(t) => t,
                        _ => String::new(),
                    };
                    Ok(FacetCount {
                        value,
                        count: r.get::<_, i64>(1)? as usize,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            let slot = match facet {
                Facet::Kind => &mut facets.kinds,
                Facet::Type => &mut facets.types,
                Facet::Owner => &mut facets.owners,
                Facet::Lifecycle => &mut facets.lifecycles,
                Facet::System => &mut facets.systems,
                Facet::Namespace => &mut facets.namespaces,
                Facet::Tag => &mut facets.tags,
                Facet::Source => &mut facets.sources,
            };
            *slot = counts;
        }
        Ok(facets)
    }

    /// Every relation of an entity, in both directions, seen from it; relations to
    /// entities the catalog does not have are included and marked missing.
    pub fn relations_of(&self, key: &str) -> Result<Vec<Related>, StoreError> {
        let key = key.to_lowercase();
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.type, 0, r.target_ref, e.kind, e.title, e.id IS NULL
               FROM relation_edges r LEFT JOIN entities e ON e.ref = r.target_ref AND e.active = 1
              WHERE r.source_ref = ?1
             UNION
             SELECT r.type, 1, r.source_ref, e.kind, e.title, e.id IS NULL
               FROM relation_edges r LEFT JOIN entities e ON e.ref = r.source_ref AND e.active = 1
              WHERE r.target_ref = ?1",
        )?;
        let rows = stmt.query_map([&key], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, bool>(5)?,
            ))
        })?;
        let mut seen = BTreeSet::new();
        let mut related = Vec::new();
        for row in rows {
            let (type_name, reversed, other, kind, title, missing) = row?;
            let Some(declared) = RelationType::parse(&type_name) else {
                continue;
            };
            let relation_type = if reversed {
                declared.inverse()
            } else {
                declared
            };
            if other == key || !seen.insert((relation_type, other.clone())) {
                continue;
            }
            related.push(Related {
                relation_type,
                key: other,
                kind,
                title,
                missing,
            });
        }
        related.sort_by(|a, b| (a.relation_type, &a.key).cmp(&(b.relation_type, &b.key)));
        Ok(related)
    }

    /// What a group or user owns. For a group: it, its child groups (transitively) and
    /// their members. For a user: the user and the groups they belong to.
    pub fn owned_by(&self, key: &str) -> Result<Vec<EntitySummary>, StoreError> {
        let key = key.to_lowercase();
        let sql = format!(
            "WITH RECURSIVE
               groups(ref) AS (
                 SELECT ?1
                 UNION
                 SELECT CASE WHEN r.type = 'parentOf' THEN r.target_ref ELSE r.source_ref END
                   FROM relation_edges r JOIN groups g
                     ON (r.type = 'parentOf' AND r.source_ref = g.ref) OR (r.type = 'childOf' AND r.target_ref = g.ref)
               ),
               owners(ref) AS (
                 SELECT ref FROM groups
                 UNION
                 SELECT CASE WHEN r.type = 'hasMember' THEN r.target_ref ELSE r.source_ref END
                   FROM relation_edges r JOIN groups g
                     ON (r.type = 'hasMember' AND r.source_ref = g.ref) OR (r.type = 'memberOf' AND r.target_ref = g.ref)
                 UNION
                 SELECT CASE WHEN r.type = 'memberOf' THEN r.target_ref ELSE r.source_ref END
                   FROM relation_edges r
                  WHERE (r.type = 'memberOf' AND r.source_ref = ?1) OR (r.type = 'hasMember' AND r.target_ref = ?1)
               )
             SELECT {SUMMARY_COLUMNS} FROM entities e
              WHERE e.active = 1 AND e.owner_ref IN (SELECT ref FROM owners)
              ORDER BY lower(e.kind), e.name COLLATE NOCASE"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map([&key], summary_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Problems, most severe first, in file order.
    pub fn problems(&self, q: &ProblemQuery) -> Result<Vec<ProblemRecord>, StoreError> {
        let mut condition = String::from("1 = 1");
        let mut values: Vec<SqlValue> = Vec::new();
        if let Some(source) = q.source_id {
            condition.push_str(" AND p.source_id = ?");
            values.push(SqlValue::Integer(source));
        }
        if let Some(entity) = &q.entity {
            condition.push_str(
                " AND (p.entity_ref = ? OR p.file_id = (SELECT file_id FROM entities WHERE ref = ? AND active = 1))",
            );
            values.push(SqlValue::Text(entity.to_lowercase()));
            values.push(SqlValue::Text(entity.to_lowercase()));
        }
        if let Some(severity) = q.severity {
            condition.push_str(" AND p.severity = ?");
            values.push(SqlValue::Text(severity.as_str().to_owned()));
        }
        values.push(SqlValue::Integer(q.limit.map_or(-1, |l| l as i64)));
        let sql = format!(
            "SELECT p.source_id, s.name, r.path, f.path, p.document, p.entity_ref, p.severity, p.code, p.field, p.line,
                    p.col, p.message
               FROM problems p JOIN sources s ON s.id = p.source_id
               LEFT JOIN repos r ON r.id = p.repo_id LEFT JOIN files f ON f.id = p.file_id
              WHERE {condition}
              ORDER BY p.severity, r.path, f.path, p.document, p.line, p.col LIMIT ?"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(values.iter()), |r| {
            let severity: String = r.get(6)?;
            Ok(ProblemRecord {
                source_id: r.get(0)?,
                source_name: r.get(1)?,
                repo: r.get(2)?,
                file: r.get(3)?,
                document: r.get(4)?,
                entity_ref: r.get(5)?,
                problem: Problem {
                    severity: if severity == "error" {
                        Severity::Error
                    } else {
                        Severity::Warning
                    },
                    code: r.get(7)?,
                    field: r.get(8)?,
                    line: r.get(9)?,
                    column: r.get(10)?,
                    message: r.get(11)?,
                },
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Counts for a summary line.
    pub fn stats(&self) -> Result<CatalogStats, StoreError> {
        let count = |sql: &str| -> Result<usize, StoreError> {
            Ok(self.conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as usize)
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, count(*) FROM entities WHERE active = 1 GROUP BY lower(kind) ORDER BY count(*) DESC",
        )?;
        let kinds = stmt
            .query_map(params![], |r| {
                Ok(FacetCount {
                    value: r.get(0)?,
                    count: r.get::<_, i64>(1)? as usize,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(CatalogStats {
            entities: count("SELECT count(*) FROM entities WHERE active = 1")?,
            kinds,
            relations: count("SELECT count(*) FROM relations")?,
            errors: count("SELECT count(*) FROM problems WHERE severity = 'error'")?,
            warnings: count("SELECT count(*) FROM problems WHERE severity = 'warning'")?,
            sources: count("SELECT count(*) FROM sources")?,
        })
    }
}
