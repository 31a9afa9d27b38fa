//! Following Location entities: their `target`/`targets` (relative paths and globs inside
//! the repository) lead to more descriptor files. Cycles are detected and reported; every
//! file is read once.

use std::collections::{HashMap, VecDeque};

use super::files::{FileError, RepoFiles, resolve_relative};
use super::{DescriptorFile, FileProblem, read_descriptor};
use crate::problem::Problem;

/// Where a queued file was referenced from.
struct Origin {
    file: String,
    document: usize,
    entity_ref: String,
    target: String,
    optional: bool,
}

/// Reads the descriptor files at `roots` and every file their Location entities lead to,
/// in breadth-first order. A root that cannot be read becomes a file with one problem.
pub fn read_tree(files: &dyn RepoFiles, roots: &[String]) -> Vec<DescriptorFile> {
    let mut out: Vec<DescriptorFile> = Vec::new();
    let mut index_of: HashMap<String, usize> = HashMap::new();
    let mut led_from: HashMap<String, String> = HashMap::new();
    let mut queue: VecDeque<(String, Option<Origin>)> =
        roots.iter().map(|r| (r.clone(), None)).collect();

    while let Some((path, origin)) = queue.pop_front() {
        if index_of.contains_key(&path) {
            if let Some(origin) = origin
                && leads_back(&led_from, &origin.file, &path)
            {
                let chain = cycle_chain(&led_from, &origin.file, &path);
                report(
                    &mut out,
                    &index_of,
                    &origin,
                    Problem::warning(
                        "location-cycle",
                        format!(
                            "Location target `{}` leads back to {path} ({chain}); it is read only once",
                            origin.target
                        ),
                    ),
                );
            }
            continue;
        }
        let file = match read_descriptor(files, &path) {
            Ok(file) => file,
            Err(FileError::NotFound(_)) if origin.is_some() => {
                if let Some(origin) = origin.filter(|o| !o.optional) {
                    let message = format!(
                        "Location target `{}` refers to {path}, which does not exist; fix the target or set `presence: optional`",
                        origin.target
                    );
                    report(
                        &mut out,
                        &index_of,
                        &origin,
                        Problem::error("location-target-missing", message),
                    );
                }
                continue;
            }
            Err(e) => DescriptorFile {
                path: path.clone(),
                content_hash: String::new(),
                entities: Vec::new(),
                problems: vec![FileProblem::whole_file(Problem::error(
                    error_code(&e),
                    e.to_string(),
                ))],
            },
        };
        if let Some(origin) = &origin {
            led_from.insert(path.clone(), origin.file.clone());
        }
        let mut follow = Vec::new();
        let mut problems = Vec::new();
        for read in file.entities.iter().filter(|e| e.entity.kind == "Location") {
            let entity_ref = read.entity.entity_ref().key();
            let optional = read.entity.spec_str("presence") == Some("optional");
            let targets = read
                .entity
                .spec_str("target")
                .into_iter()
                .chain(read.entity.spec_strs("targets"));
            let location_type = read.entity.spec_str("type").unwrap_or("url");
            for target in targets {
                let origin = Origin {
                    file: path.clone(),
                    document: read.document,
                    entity_ref: entity_ref.clone(),
                    target: target.to_owned(),
                    optional,
                };
                match expand_target(files, &path, location_type, target) {
                    Ok(paths) if paths.is_empty() && !optional => problems.push((origin.document, origin.entity_ref.clone(), Problem::error(
                        "location-target-missing",
                        format!("Location target `{target}` matches no file; fix the pattern or set `presence: optional`"),
                    ))),
                    Ok(paths) => follow.extend(paths.into_iter().map(|p| (p, origin_clone(&origin)))),
                    Err(problem) => problems.push((origin.document, origin.entity_ref.clone(), problem)),
                }
            }
        }
        index_of.insert(path.clone(), out.len());
        out.push(file);
        let this = out.last_mut().expect("just pushed");
        for (document, entity_ref, problem) in problems {
            this.problems.push(FileProblem {
                document: Some(document),
                entity_ref: Some(entity_ref),
                problem,
            });
        }
        queue.extend(follow.into_iter().map(|(p, o)| (p, Some(o))));
    }
    for file in &mut out {
        seal_hash(file);
    }
    out
}

/// Problems found while following Locations depend on other files (a target that appears
/// or disappears), so they are part of what the file's hash stands for.
fn seal_hash(file: &mut DescriptorFile) {
    let mut hasher = blake3::Hasher::new();
    hasher.update(file.content_hash.as_bytes());
    for p in file
        .problems
        .iter()
        .filter(|p| p.problem.code.starts_with("location-"))
    {
        hasher.update(p.problem.code.as_bytes());
        hasher.update(p.problem.message.as_bytes());
    }
    file.content_hash = hasher.finalize().to_hex().to_string();
}

fn origin_clone(o: &Origin) -> Origin {
    Origin {
        file: o.file.clone(),
        document: o.document,
        entity_ref: o.entity_ref.clone(),
        target: o.target.clone(),
        optional: o.optional,
    }
}

/// The repository paths one target stands for.
fn expand_target(
    files: &dyn RepoFiles,
    from: &str,
    location_type: &str,
    target: &str,
) -> Result<Vec<String>, Problem> {
    if !matches!(location_type, "url" | "file") {
        return Err(Problem::warning(
            "location-offline",
            format!(
                "Location type `{location_type}` needs a Backstage provider and is not followed by Greenroom"
            ),
        ));
    }
    if target.contains("://") {
        return Err(Problem::warning(
            "location-offline",
            format!(
                "Location target `{target}` is a URL and is not followed offline; add its repository as a source instead"
            ),
        ));
    }
    if target.ends_with('/') {
        return Err(Problem::error(
            "location-target-folder",
            format!(
                "Location target `{target}` is a folder; point it at a file, or at a glob such as `{target}*/catalog-info.yaml`"
            ),
        ));
    }
    let Some(resolved) = resolve_relative(from, target) else {
        return Err(Problem::error(
            "location-escape",
            format!(
                "Location target `{target}` points outside the repository; targets must stay inside it"
            ),
        ));
    };
    if resolved.contains(['*', '?', '[', '{']) {
        return files.glob(&resolved).map_err(|e| {
            Problem::error(error_code(&e), format!("Location target `{target}`: {e}"))
        });
    }
    Ok(vec![resolved])
}

fn report(
    out: &mut [DescriptorFile],
    index_of: &HashMap<String, usize>,
    origin: &Origin,
    problem: Problem,
) {
    if let Some(&i) = index_of.get(&origin.file) {
        out[i].problems.push(FileProblem {
            document: Some(origin.document),
            entity_ref: Some(origin.entity_ref.clone()),
            problem,
        });
    }
}

/// Whether following `from`'s parents reaches `target`.
fn leads_back(led_from: &HashMap<String, String>, from: &str, target: &str) -> bool {
    let mut current = from;
    for _ in 0..led_from.len() + 1 {
        if current == target {
            return true;
        }
        match led_from.get(current) {
            Some(parent) => current = parent,
            None => return false,
        }
    }
    false
}

fn cycle_chain(led_from: &HashMap<String, String>, from: &str, target: &str) -> String {
    let mut chain = vec![from.to_owned()];
    let mut current = from;
    while current != target {
        match led_from.get(current) {
            Some(parent) => {
                chain.push(parent.clone());
                current = parent;
            }
            None => break,
        }
    }
    chain.reverse();
    chain.push(target.to_owned());
    chain.join(" → ")
}

fn error_code(e: &FileError) -> &'static str {
    match e {
        FileError::NotFound(_) => "file-missing",
        FileError::TooLarge { .. } => "file-too-large",
        FileError::OutsideRepository(_) => "file-outside-repository",
        FileError::Io { .. } => "file-unreadable",
    }
}
