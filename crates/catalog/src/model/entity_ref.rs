//! Entity references: `[<kind>:][<namespace>/]<name>`, as Backstage parses them
//! (`packages/catalog-model/src/entity/ref.ts`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The namespace an entity lives in when its descriptor names none.
pub const DEFAULT_NAMESPACE: &str = "default";

/// A reference to an entity: its kind, namespace and name, as written.
///
/// Two references are the same entity when their [`EntityRef::key`]s are equal: Backstage
/// compares all three parts case-insensitively.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EntityRef {
    /// The kind, e.g. `Component`.
    pub kind: String,
    /// The namespace, e.g. `default`.
    pub namespace: String,
    /// The name, e.g. `payments-api`.
    pub name: String,
}

/// Why a reference could not be parsed; the message is Backstage's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    /// The reference was an empty string.
    #[error("Entity reference must not be empty")]
    Empty,
    /// A part was present but empty, e.g. `component:/foo`.
    #[error("Entity reference \"{0}\" was not on the form [<kind>:][<namespace>/]<name>")]
    Malformed(String),
    /// No kind was written and the field has no default kind.
    #[error(
        "Entity reference \"{0}\" had missing or empty kind (e.g. did not start with \"component:\" or similar)"
    )]
    MissingKind(String),
}

impl EntityRef {
    /// A reference from its three parts.
    pub fn new(
        kind: impl Into<String>,
        namespace: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        EntityRef {
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// Parses `[<kind>:][<namespace>/]<name>`, filling in the kind and namespace the
    /// context implies when the text leaves them out.
    ///
    /// The first `:` ends the kind unless a `/` comes before it. The parts are not
    /// format-checked, as in Backstage.
    pub fn parse(
        text: &str,
        default_kind: Option<&str>,
        default_namespace: &str,
    ) -> Result<Self, RefError> {
        let (kind, namespace, name) = split(text, default_kind, default_namespace)?;
        Ok(EntityRef::new(kind, namespace, name))
    }

    /// The canonical key of what [`EntityRef::parse`] would give, made at once.
    pub fn parse_key(
        text: &str,
        default_kind: Option<&str>,
        default_namespace: &str,
    ) -> Result<String, RefError> {
        let (kind, namespace, name) = split(text, default_kind, default_namespace)?;
        Ok(key_of(kind, namespace, name))
    }

    /// The canonical, lower-case form `kind:namespace/name` that identifies the entity.
    pub fn key(&self) -> String {
        key_of(&self.kind, &self.namespace, &self.name)
    }

    /// Parses a canonical key (or any full reference) with no defaults.
    pub fn from_key(key: &str) -> Result<Self, RefError> {
        EntityRef::parse(key, None, DEFAULT_NAMESPACE)
    }

    /// The shortest form a person would write: the kind and namespace are left out where
    /// they are the defaults the context implies.
    pub fn humanize(&self, default_kind: Option<&str>) -> String {
        let mut out = String::new();
        if default_kind.is_none_or(|k| !k.eq_ignore_ascii_case(&self.kind)) {
            out.push_str(&self.kind.to_lowercase());
            out.push(':');
        }
        if !self.namespace.eq_ignore_ascii_case(DEFAULT_NAMESPACE) {
            out.push_str(&self.namespace);
            out.push('/');
        }
        out.push_str(&self.name);
        out
    }
}

/// The kind, namespace and name `text` names (see [`EntityRef::parse`]).
fn split<'a>(
    text: &'a str,
    default_kind: Option<&'a str>,
    default_namespace: &'a str,
) -> Result<(&'a str, &'a str, &'a str), RefError> {
    if text.is_empty() {
        return Err(RefError::Empty);
    }
    // One pass for the first `/` and the first `:` before it (references are short, and
    // the catalog parses several per entity it writes).
    let mut slash = None;
    let mut colon = None;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'/' => {
                slash = Some(i);
                break;
            }
            b':' if colon.is_none() => colon = Some(i),
            _ => {}
        }
    }
    let kind = colon.map(|c| &text[..c]);
    let after_kind = colon.map_or(0, |c| c + 1);
    let namespace = slash.map(|s| &text[after_kind..s]);
    let name = &text[slash.map_or(after_kind, |s| s + 1).max(after_kind)..];
    if kind == Some("") || namespace == Some("") || name.is_empty() {
        return Err(RefError::Malformed(text.to_owned()));
    }
    let Some(kind) = kind.or(default_kind).filter(|k| !k.is_empty()) else {
        return Err(RefError::MissingKind(text.to_owned()));
    };
    let namespace = namespace.unwrap_or(if default_namespace.is_empty() {
        DEFAULT_NAMESPACE
    } else {
        default_namespace
    });
    Ok((kind, namespace, name))
}

/// `kind:namespace/name` in lower case.
fn key_of(kind: &str, namespace: &str, name: &str) -> String {
    let mut key = String::with_capacity(kind.len() + namespace.len() + name.len() + 2);
    push_lower(&mut key, kind);
    key.push(':');
    push_lower(&mut key, namespace);
    key.push('/');
    push_lower(&mut key, name);
    key
}

fn push_lower(out: &mut String, part: &str) {
    if part.is_ascii() {
        let start = out.len();
        out.push_str(part);
        out[start..].make_ascii_lowercase();
    } else {
        out.extend(part.chars().flat_map(char::to_lowercase));
    }
}

impl fmt::Display for EntityRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text, default kind, default namespace, and the expected parts (`None`: an error).
    type Case<'a> = (
        &'a str,
        Option<&'a str>,
        &'a str,
        Option<(&'a str, &'a str, &'a str)>,
    );

    #[test]
    fn parses_every_partial_form() {
        let cases: &[Case] = &[
            ("a:b/c", None, "default", Some(("a", "b", "c"))),
            ("a:c", None, "default", Some(("a", "default", "c"))),
            ("b/c", Some("k"), "default", Some(("k", "b", "c"))),
            ("c", Some("k"), "ns", Some(("k", "ns", "c"))),
            ("c", Some("k"), "", Some(("k", "default", "c"))),
            ("c", None, "default", None),
            ("b/c", None, "default", None),
            (":b/c", None, "default", None),
            ("a:/c", None, "default", None),
            ("a:b/", None, "default", None),
            ("a:", None, "default", None),
            ("/c", Some("k"), "default", None),
            ("", Some("k"), "default", None),
            // A `/` before the `:` makes everything after it the name.
            ("b/c:d", Some("k"), "default", Some(("k", "b", "c:d"))),
            ("a:b/c/d", None, "default", Some(("a", "b", "c/d"))),
            ("a:b:c", None, "default", Some(("a", "default", "b:c"))),
            // Parts are not format-checked.
            (
                "Group:My NS/Team A",
                None,
                "default",
                Some(("Group", "My NS", "Team A")),
            ),
        ];
        for (text, kind, ns, expected) in cases {
            let got = EntityRef::parse(text, *kind, ns);
            match expected {
                Some((k, n, name)) => {
                    assert_eq!(got, Ok(EntityRef::new(*k, *n, *name)), "parsing {text:?}")
                }
                None => assert!(got.is_err(), "{text:?} should fail, got {got:?}"),
            }
            assert_eq!(
                EntityRef::parse_key(text, *kind, ns),
                got.map(|r| r.key()),
                "the key of {text:?}"
            );
        }
    }

    #[test]
    fn errors_carry_backstages_wording() {
        assert_eq!(
            EntityRef::parse("db", None, "default")
                .unwrap_err()
                .to_string(),
            "Entity reference \"db\" had missing or empty kind (e.g. did not start with \"component:\" or similar)"
        );
        assert_eq!(
            EntityRef::parse("a:/c", None, "default")
                .unwrap_err()
                .to_string(),
            "Entity reference \"a:/c\" was not on the form [<kind>:][<namespace>/]<name>"
        );
    }

    #[test]
    fn keys_are_case_insensitive() {
        let a = EntityRef::new("Component", "Default", "Payments-API");
        assert_eq!(a.key(), "component:default/payments-api");
        assert_eq!(
            a.key(),
            EntityRef::new("component", "default", "payments-api").key()
        );
        assert_eq!(
            EntityRef::from_key("component:default/payments-api"),
            Ok(EntityRef::new("component", "default", "payments-api"))
        );
    }

    #[test]
    fn humanized_forms_drop_defaults() {
        let r = EntityRef::new("Group", "default", "team-a");
        assert_eq!(r.humanize(Some("group")), "team-a");
        assert_eq!(r.humanize(None), "group:team-a");
        assert_eq!(
            EntityRef::new("API", "ops", "x").humanize(Some("Group")),
            "api:ops/x"
        );
    }
}
