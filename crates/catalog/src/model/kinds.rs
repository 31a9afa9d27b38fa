//! The built-in kinds: which apiVersions they accept, their spec fields, and which fields
//! are entity references that become relations.
//!
//! Mirrors `packages/catalog-model/src/schema/kinds/*.schema.json` and
//! `plugins/catalog-backend/src/processors/BuiltinKindsEntityProcessor.ts`.

use super::relation::RelationType;

/// The apiVersions the catalog kinds accept.
pub const CATALOG_API_VERSIONS: [&str; 2] = ["backstage.io/v1alpha1", "backstage.io/v1beta1"];
/// The apiVersion of software templates.
pub const TEMPLATE_API_VERSION: &str = "scaffolder.backstage.io/v1beta3";

/// The shape a spec field must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldShape {
    /// A non-empty string.
    String,
    /// A list of non-empty strings.
    Strings,
    /// A mapping.
    Object,
    /// A list of anything.
    List,
    /// A mapping or a list of mappings (template parameters).
    ObjectOrList,
    /// One of the given strings.
    OneOf(&'static [&'static str]),
}

/// One spec field of a kind.
#[derive(Debug, Clone, Copy)]
pub struct SpecField {
    /// The key under `spec`.
    pub name: &'static str,
    /// The shape its value must have.
    pub shape: FieldShape,
    /// Whether the field must be present.
    pub required: bool,
    /// When the field holds entity references: the kind they default to (`None`: the
    /// reference must name its kind) and the relation they create from this entity.
    pub reference: Option<Reference>,
}

/// How a reference field turns into a relation.
#[derive(Debug, Clone, Copy)]
pub struct Reference {
    /// The kind assumed when the reference does not name one.
    pub default_kind: Option<&'static str>,
    /// The relation from the entity to the referenced one.
    pub relation: RelationType,
}

/// A built-in kind.
#[derive(Debug)]
pub struct KindSpec {
    /// The kind, spelled as Backstage requires (case-sensitive).
    pub kind: &'static str,
    /// The apiVersions this kind accepts.
    pub api_versions: &'static [&'static str],
    /// The known spec fields.
    pub fields: &'static [SpecField],
}

const fn field(name: &'static str, shape: FieldShape, required: bool) -> SpecField {
    SpecField {
        name,
        shape,
        required,
        reference: None,
    }
}

const fn reference(
    name: &'static str,
    shape: FieldShape,
    required: bool,
    default_kind: Option<&'static str>,
    relation: RelationType,
) -> SpecField {
    SpecField {
        name,
        shape,
        required,
        reference: Some(Reference {
            default_kind,
            relation,
        }),
    }
}

use FieldShape::{List, Object, ObjectOrList, OneOf, String as Str, Strings};
use RelationType as R;

const OWNER: SpecField = reference("owner", Str, true, Some("Group"), R::OwnedBy);
const OPTIONAL_OWNER: SpecField = reference("owner", Str, false, Some("Group"), R::OwnedBy);
const SYSTEM: SpecField = reference("system", Str, false, Some("System"), R::PartOf);
const DEPENDS_ON: SpecField = reference("dependsOn", Strings, false, None, R::DependsOn);
const DEPENDENCY_OF: SpecField = reference("dependencyOf", Strings, false, None, R::DependencyOf);
const PROFILE: SpecField = field("profile", Object, false);

/// Every built-in kind.
pub static KINDS: &[KindSpec] = &[
    KindSpec {
        kind: "Component",
        api_versions: &CATALOG_API_VERSIONS,
        fields: &[
            field("type", Str, true),
            field("lifecycle", Str, true),
            OWNER,
            SYSTEM,
            reference("subcomponentOf", Str, false, Some("Component"), R::PartOf),
            reference("providesApis", Strings, false, Some("API"), R::ProvidesApi),
            reference("consumesApis", Strings, false, Some("API"), R::ConsumesApi),
            DEPENDS_ON,
            DEPENDENCY_OF,
        ],
    },
    KindSpec {
        kind: "API",
        api_versions: &CATALOG_API_VERSIONS,
        fields: &[
            field("type", Str, true),
            field("lifecycle", Str, true),
            OWNER,
            field("definition", Str, true),
            SYSTEM,
        ],
    },
    KindSpec {
        kind: "Resource",
        api_versions: &CATALOG_API_VERSIONS,
        fields: &[
            field("type", Str, true),
            OWNER,
            SYSTEM,
            DEPENDS_ON,
            DEPENDENCY_OF,
        ],
    },
    KindSpec {
        kind: "System",
        api_versions: &CATALOG_API_VERSIONS,
        fields: &[
            OWNER,
            reference("domain", Str, false, Some("Domain"), R::PartOf),
            field("type", Str, false),
        ],
    },
    KindSpec {
        kind: "Domain",
        api_versions: &CATALOG_API_VERSIONS,
        fields: &[
            OWNER,
            reference("subdomainOf", Str, false, Some("Domain"), R::PartOf),
            field("type", Str, false),
        ],
    },
    KindSpec {
        kind: "Group",
        api_versions: &CATALOG_API_VERSIONS,
        fields: &[
            field("type", Str, true),
            reference("children", Strings, true, Some("Group"), R::ParentOf),
            reference("parent", Str, false, Some("Group"), R::ChildOf),
            reference("members", Strings, false, Some("User"), R::HasMember),
            field("leader", Str, false),
            PROFILE,
        ],
    },
    KindSpec {
        kind: "User",
        api_versions: &CATALOG_API_VERSIONS,
        fields: &[
            reference("memberOf", Strings, true, Some("Group"), R::MemberOf),
            PROFILE,
        ],
    },
    KindSpec {
        kind: "Location",
        api_versions: &CATALOG_API_VERSIONS,
        fields: &[
            field("type", Str, false),
            field("target", Str, false),
            field("targets", Strings, false),
            field("presence", OneOf(&["required", "optional"]), false),
        ],
    },
    KindSpec {
        kind: "Template",
        api_versions: &[TEMPLATE_API_VERSION],
        fields: &[
            field("type", Str, true),
            field("steps", List, true),
            field("parameters", ObjectOrList, false),
            field("output", Object, false),
            OPTIONAL_OWNER,
            field("lifecycle", Str, false),
            field("presentation", Object, false),
            field("secrets", Object, false),
        ],
    },
];

/// The built-in kind with exactly this spelling and an accepted apiVersion.
pub fn find_kind(api_version: &str, kind: &str) -> Option<&'static KindSpec> {
    KINDS
        .iter()
        .find(|k| k.kind == kind && k.api_versions.contains(&api_version))
}

/// The built-in kind that matches this spelling ignoring case, to suggest a fix.
pub fn kind_ignoring_case(kind: &str) -> Option<&'static KindSpec> {
    KINDS.iter().find(|k| k.kind.eq_ignore_ascii_case(kind))
}
