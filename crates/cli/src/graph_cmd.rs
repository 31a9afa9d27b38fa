//! `greenroom graph`: an entity's neighbourhood as text, Graphviz dot, Mermaid or JSON.

use std::collections::HashMap;
use std::process::ExitCode;

use greenroom::Greenroom;
use greenroom::catalog::RelationType;
use greenroom::catalog::store::Graph;

use crate::args::{GraphArgs, GraphFormat};
use crate::render::json;

pub fn run(greenroom: &Greenroom, args: &GraphArgs) -> anyhow::Result<ExitCode> {
    let key = greenroom.resolve_ref(&args.entity)?;
    let mut types = Vec::new();
    for name in &args.relations {
        types.push(RelationType::parse(name).ok_or_else(|| {
            let known: Vec<&str> = RelationType::ALL.iter().map(|t| t.as_str()).collect();
            anyhow::anyhow!(
                "unknown relation `{name}`; use one of: {}",
                known.join(", ")
            )
        })?);
    }
    let graph = greenroom.catalog().graph(&key, args.depth, &types)?;
    match args.format {
        GraphFormat::Json => json(&graph)?,
        GraphFormat::Text => crate::out!("{}", text(&graph).trim_end()),
        GraphFormat::Dot => crate::out!("{}", dot(&graph).trim_end()),
        GraphFormat::Mermaid => crate::out!("{}", mermaid(&graph).trim_end()),
    }
    if graph.truncated {
        eprintln!(
            "note: the graph was cut at {} entities; use a smaller --depth or --relation",
            graph.nodes.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn text(graph: &Graph) -> String {
    let missing: HashMap<&str, bool> = graph
        .nodes
        .iter()
        .map(|n| (n.key.as_str(), n.missing))
        .collect();
    let mark = |k: &str| {
        if missing.get(k).copied().unwrap_or(false) {
            "  (not in the catalog)"
        } else {
            ""
        }
    };
    let mut out = format!("{}\n", graph.root);
    for edge in &graph.edges {
        out.push_str(&format!(
            "  {} --{}--> {}{}\n",
            edge.source,
            edge.relation_type,
            edge.target,
            mark(&edge.target)
        ));
    }
    out
}

fn dot(graph: &Graph) -> String {
    let mut out =
        String::from("digraph catalog {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n");
    for node in &graph.nodes {
        let style = if node.missing {
            ", style=\"rounded,dashed\""
        } else if node.key == graph.root {
            ", penwidth=2"
        } else {
            ""
        };
        let label = node
            .title
            .as_deref()
            .map_or_else(|| node.key.clone(), |t| format!("{t}\\n{}", node.key));
        out.push_str(&format!(
            "  {:?} [label={:?}{style}];\n",
            node.key,
            label.replace("\\\\n", "\\n")
        ));
    }
    for edge in &graph.edges {
        out.push_str(&format!(
            "  {:?} -> {:?} [label={:?}];\n",
            edge.source,
            edge.target,
            edge.relation_type.as_str()
        ));
    }
    out.push_str("}\n");
    out
}

fn mermaid(graph: &Graph) -> String {
    let ids: HashMap<&str, String> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.key.as_str(), format!("n{i}")))
        .collect();
    let mut out = String::from("graph LR\n");
    for node in &graph.nodes {
        let label = node.title.as_deref().unwrap_or(&node.key).replace('"', "'");
        out.push_str(&format!("  {}[\"{label}\"]\n", ids[node.key.as_str()]));
        if node.missing {
            out.push_str(&format!(
                "  style {} stroke-dasharray: 5 5\n",
                ids[node.key.as_str()]
            ));
        }
    }
    for edge in &graph.edges {
        if let (Some(a), Some(b)) = (ids.get(edge.source.as_str()), ids.get(edge.target.as_str())) {
            out.push_str(&format!("  {a} -->|{}| {b}\n", edge.relation_type));
        }
    }
    out
}
