//! The neighbourhood of an entity: every entity within N relations, for graphs.

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use super::{Catalog, StoreError};
use crate::model::relation::RelationType;

/// Most nodes a graph holds; beyond it the graph is cut and says so.
const MAX_NODES: usize = 400;

/// An entity in a graph.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphNode {
    /// Canonical ref.
    pub key: String,
    /// Kind, when in the catalog.
    pub kind: Option<String>,
    /// Title, when in the catalog and set.
    pub title: Option<String>,
    /// Relations away from the root.
    pub depth: usize,
    /// Not in the catalog: only referenced.
    pub missing: bool,
}

/// A relation in a graph, in the direction it was declared.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GraphEdge {
    /// Where it starts.
    pub source: String,
    /// The relation type.
    #[serde(rename = "type")]
    pub relation_type: RelationType,
    /// Where it points.
    pub target: String,
}

/// An entity's neighbourhood.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Graph {
    /// The entity asked about.
    pub root: String,
    /// Entities, the root first.
    pub nodes: Vec<GraphNode>,
    /// Relations between them, each once.
    pub edges: Vec<GraphEdge>,
    /// The neighbourhood had more nodes than a graph shows.
    pub truncated: bool,
}

impl Catalog {
    /// The entities within `depth` relations of `key`, following only `types` when given.
    /// Each relation appears once, in its declared direction (`dependsOn`, not both
    /// `dependsOn` and `dependencyOf`).
    pub fn graph(
        &self,
        key: &str,
        depth: usize,
        types: &[RelationType],
    ) -> Result<Graph, StoreError> {
        let root = key.to_lowercase();
        let mut nodes: HashMap<String, GraphNode> = HashMap::new();
        let mut order = vec![root.clone()];
        let root_entity = self.entity(&root)?;
        nodes.insert(
            root.clone(),
            GraphNode {
                key: root.clone(),
                kind: root_entity.as_ref().map(|e| e.entity.kind.clone()),
                title: root_entity
                    .as_ref()
                    .and_then(|e| e.entity.metadata.title.clone()),
                depth: 0,
                missing: root_entity.is_none(),
            },
        );
        let mut edges = std::collections::BTreeSet::new();
        let mut queue = VecDeque::from([(root.clone(), 0usize)]);
        let mut truncated = false;
        while let Some((current, at)) = queue.pop_front() {
            if at >= depth {
                continue;
            }
            for related in self.relations_of(&current)? {
                if !types.is_empty() && !types.contains(&related.relation_type) {
                    continue;
                }
                if !nodes.contains_key(&related.key) {
                    if nodes.len() >= MAX_NODES {
                        truncated = true;
                        continue;
                    }
                    order.push(related.key.clone());
                    nodes.insert(
                        related.key.clone(),
                        GraphNode {
                            key: related.key.clone(),
                            kind: related.kind.clone(),
                            title: related.title.clone(),
                            depth: at + 1,
                            missing: related.missing,
                        },
                    );
                    queue.push_back((related.key.clone(), at + 1));
                }
                edges.insert(declared_direction(
                    &current,
                    related.relation_type,
                    &related.key,
                ));
            }
        }
        let nodes = order.into_iter().filter_map(|k| nodes.remove(&k)).collect();
        Ok(Graph {
            root,
            nodes,
            edges: edges.into_iter().collect(),
            truncated,
        })
    }
}

/// Relations come in pairs; a graph shows the member of each pair that spec fields
/// usually declare (`ownedBy`, `dependsOn`, `partOf`, ...).
fn declared_direction(from: &str, relation: RelationType, to: &str) -> GraphEdge {
    use RelationType::*;
    let canonical = matches!(
        relation,
        OwnedBy | DependsOn | ProvidesApi | ConsumesApi | PartOf | MemberOf | ChildOf
    );
    if canonical {
        GraphEdge {
            source: from.to_owned(),
            relation_type: relation,
            target: to.to_owned(),
        }
    } else {
        GraphEdge {
            source: to.to_owned(),
            relation_type: relation.inverse(),
            target: from.to_owned(),
        }
    }
}
