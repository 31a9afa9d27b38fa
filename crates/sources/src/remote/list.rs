//! A list of repositories in a text file, one per line, for sources that follow many
//! repositories:
//!
//! ```text
//! # comments and blank lines are ignored
//! https://git.example.com/acme/payments.git
//! git@git.example.com:acme/billing.git  branch=develop  glob=services/*/catalog-info.yaml
//! ```

use super::sync::RemoteRepo;
use super::url::RemoteUrl;

/// A line of a list that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ListProblem {
    /// The line, from 1.
    pub line: usize,
    /// What is wrong and what to write instead.
    pub message: String,
}

/// Reads a repository list. Lines that cannot be used are reported and skipped; the
/// others are returned in order, without duplicates. `branch` and `globs` are the
/// defaults of the source, which a line's own `branch=` replaces and `glob=` extends.
pub fn parse_list(
    text: &str,
    branch: Option<&str>,
    globs: &[String],
) -> (Vec<RemoteRepo>, Vec<ListProblem>) {
    let mut repos: Vec<RemoteRepo> = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.split_once(" #").map_or(line, |(l, _)| l).trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let Some(address) = words.next() else {
            continue;
        };
        let url = match RemoteUrl::parse(address) {
            Ok(url) => url,
            Err(e) => {
                problems.push(ListProblem {
                    line: line_no,
                    message: e.to_string(),
                });
                continue;
            }
        };
        let mut repo = RemoteRepo {
            url,
            branch: branch.map(str::to_owned),
            globs: globs.to_vec(),
        };
        let mut bad = false;
        for word in words {
            match word.split_once('=') {
                Some(("branch", b)) if !b.is_empty() => repo.branch = Some(b.to_owned()),
                Some(("glob", g)) if !g.is_empty() => repo.globs.push(g.to_owned()),
                _ => {
                    problems.push(ListProblem {
                        line: line_no,
                        message: format!(
                            "`{word}` is not understood; after the address write `branch=NAME` or `glob=PATTERN`"
                        ),
                    });
                    bad = true;
                }
            }
        }
        if bad {
            continue;
        }
        if repos.iter().any(|r| r.key() == repo.key()) {
            problems.push(ListProblem {
                line: line_no,
                message: format!("{} is listed twice; the first line is used", repo.key()),
            });
            continue;
        }
        repos.push(repo);
    }
    (repos, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_give_repositories_with_their_branch_and_globs() {
        let text = "# team repos\n\nhttps://h/a.git\ngit@h:b.git branch=dev glob=x/*.yaml # billing\nnot a url\nhttps://h/a.git\nhttps://h/c.git colour=red\n";
        let (repos, problems) = parse_list(text, Some("main"), &["docs/*.yaml".to_owned()]);
        assert_eq!(repos.len(), 2);
        assert_eq!(repos[0].key(), "https://h/a.git#main");
        assert_eq!(repos[1].branch.as_deref(), Some("dev"));
        assert_eq!(repos[1].globs, ["docs/*.yaml", "x/*.yaml"]);
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [5, 6, 7]);
        assert!(problems[2].message.contains("branch=NAME"));
    }
}
