//! Reading the catalog section a repository at a time, so that an import validates and
//! writes the first repositories while the rest is still being parsed. Each repository is
//! checked as it is read (see [`CatalogTally`]); the totals are compared with the manifest
//! once the section ends, so a consumer must not keep anything until the stream says it is
//! complete.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::content::{CatalogContent, CatalogTally, SnapshotRepo};
use super::{Counts, Limits, SnapshotError};
use crate::problem::Problem;

/// A snapshot's catalog section: decompressed and matching its checksum, not yet parsed.
pub struct CatalogSection {
    raw: Vec<u8>,
    counts: Counts,
    limits: Limits,
}

impl fmt::Debug for CatalogSection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CatalogSection")
            .field("bytes", &self.raw.len())
            .field("counts", &self.counts)
            .finish_non_exhaustive()
    }
}

impl CatalogSection {
    pub(crate) fn new(raw: Vec<u8>, counts: Counts, limits: Limits) -> Self {
        CatalogSection {
            raw,
            counts,
            limits,
        }
    }

    /// Parses and checks the whole section.
    pub fn parse(self) -> Result<CatalogContent, SnapshotError> {
        let mut repos = Vec::with_capacity(self.counts.repos.min(1 << 16));
        let problems = self.stream(|repo| {
            repos.push(repo);
            true
        })?;
        Ok(CatalogContent {
            repos,
            // `take` never stops the stream.
            problems: problems.unwrap_or_default(),
        })
    }

    /// Parses the repositories in file order, checks each and hands it to `take`, which
    /// returns false to stop. Returns the source-wide problems once the whole section
    /// checked out, or `None` if `take` stopped it.
    ///
    /// An error can come after repositories were handed out: the section as a whole is only
    /// sound once this returns `Ok(Some(_))`.
    pub fn stream(
        &self,
        mut take: impl FnMut(SnapshotRepo) -> bool,
    ) -> Result<Option<Vec<Problem>>, SnapshotError> {
        let mut state = StreamState {
            tally: CatalogTally::new(&self.limits),
            take: &mut take,
            refused: None,
            stopped: false,
        };
        let mut parser = serde_json::Deserializer::from_slice(&self.raw);
        let parsed = CatalogSeed(&mut state)
            .deserialize(&mut parser)
            .and_then(|problems| parser.end().map(|()| problems));
        let StreamState {
            tally,
            refused,
            stopped,
            ..
        } = state;
        if let Some(refused) = refused {
            return Err(refused);
        }
        if stopped {
            return Ok(None);
        }
        let problems = parsed.map_err(|e| {
            SnapshotError::corrupt(format!("the catalog section is malformed: {e}"))
        })?;
        tally.finish(problems.len(), &self.counts)?;
        Ok(Some(problems))
    }
}

/// What the parse carries along: the checks so far, the consumer, and why it stopped early.
struct StreamState<'s, 'l> {
    tally: CatalogTally<'l>,
    take: &'s mut dyn FnMut(SnapshotRepo) -> bool,
    /// A repository failed its checks (the parser's own error then only says "stopped").
    refused: Option<SnapshotError>,
    /// `take` asked to stop.
    stopped: bool,
}

/// The section's top level: `{"repos": [...], "problems": [...]}`, in any order, other
/// keys ignored (as the derived `Deserialize` of [`CatalogContent`] does).
struct CatalogSeed<'a, 's, 'l>(&'a mut StreamState<'s, 'l>);

impl<'de> DeserializeSeed<'de> for CatalogSeed<'_, '_, '_> {
    type Value = Vec<Problem>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for CatalogSeed<'_, '_, '_> {
    type Value = Vec<Problem>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the catalog section (an object with `repos`)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut repos = false;
        let mut problems: Option<Vec<Problem>> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "repos" if repos => return Err(de::Error::duplicate_field("repos")),
                "repos" => {
                    map.next_value_seed(ReposSeed(&mut *self.0))?;
                    repos = true;
                }
                "problems" if problems.is_some() => {
                    return Err(de::Error::duplicate_field("problems"));
                }
                "problems" => problems = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !repos {
            return Err(de::Error::missing_field("repos"));
        }
        Ok(problems.unwrap_or_default())
    }
}

/// The `repos` array, read one repository at a time.
struct ReposSeed<'a, 's, 'l>(&'a mut StreamState<'s, 'l>);

impl<'de> DeserializeSeed<'de> for ReposSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ReposSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of repositories")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let state = self.0;
        while let Some(repo) = seq.next_element::<SnapshotRepo>()? {
            if let Err(refused) = state.tally.repo(&repo) {
                state.refused = Some(refused);
                return Err(de::Error::custom("refused"));
            }
            if !(state.take)(repo) {
                state.stopped = true;
                return Err(de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(json: &str, repos: usize) -> CatalogSection {
        let counts = Counts {
            repos,
            ..Counts::default()
        };
        CatalogSection::new(json.as_bytes().to_vec(), counts, Limits::default())
    }

    const TWO: &str = r#"{"problems": [], "other": {"x": [1]}, "repos": [
        {"path": "/src/a", "name": "a", "source": "Work", "location": "file:/src/a/", "files": []},
        {"path": "/src/b", "name": "b", "source": "Work", "location": "file:/src/b/", "files": []}
    ]}"#;

    #[test]
    fn the_catalog_section_is_parsed_and_refused_when_malformed() {
        let catalog = section(TWO, 2).parse().expect("parsed");
        let names: Vec<&str> = catalog.repos.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert!(catalog.problems.is_empty());

        for (json, says) in [
            (r#"{"repos": [{"path": "/src/a"}]}"#, "missing field"),
            (r#"{"repos": [{"path": "/src/a", "#, "EOF"),
            (r#"{"problems": []}"#, "missing field `repos`"),
            (r#"{"repos": null}"#, "expected a list of repositories"),
        ] {
            let error = section(json, 0).parse().expect_err(json).to_string();
            assert!(
                error.contains("the catalog section is malformed"),
                "{error}"
            );
            assert!(error.contains(says), "{error}");
        }
    }

    #[test]
    fn repositories_are_handed_out_in_order_and_a_consumer_can_stop() {
        let mut names = Vec::new();
        let problems = section(TWO, 2)
            .stream(|repo| {
                names.push(repo.name);
                true
            })
            .expect("sound");
        assert_eq!(names, ["a", "b"]);
        assert_eq!(problems, Some(Vec::new()));

        let mut seen = 0;
        let stopped = section(TWO, 2)
            .stream(|_| {
                seen += 1;
                false
            })
            .expect("stopped is not an error");
        assert_eq!((seen, stopped), (1, None));
    }

    #[test]
    fn a_repository_that_fails_its_checks_or_a_wrong_total_ends_the_stream() {
        let twice = TWO.replace("/src/b", "/src/a");
        let mut seen = 0;
        let error = section(&twice, 2)
            .stream(|_| {
                seen += 1;
                true
            })
            .expect_err("refused")
            .to_string();
        assert!(
            error.contains("the repository '/src/a' appears twice"),
            "{error}"
        );
        assert_eq!(
            seen, 1,
            "the first repository was handed out before the second failed"
        );

        let error = section(TWO, 3).parse().expect_err("count").to_string();
        assert!(
            error.contains("it holds 2 repositories but its manifest says 3"),
            "{error}"
        );

        for (json, says) in [
            (r#"{"repos": [], "repos": []}"#, "duplicate field `repos`"),
            (r#"{"repos": []} x"#, "trailing characters"),
            (r#"[[]]"#, "expected the catalog section"),
        ] {
            let error = section(json, 0).parse().expect_err(json).to_string();
            assert!(error.contains(says), "{json}: {error}");
        }
    }
}
