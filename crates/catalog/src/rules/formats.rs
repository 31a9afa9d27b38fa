//! The field-format checks of Backstage's default validators
//! (`packages/catalog-model/src/validation/KubernetesValidatorFunctions.ts`,
//! `CommonValidatorFunctions.ts`, `makeValidator.ts`), one function each, named after them.

/// `[<dns-subdomain>/]<suffix>`, the suffix 1–63 letters and digits.
pub fn is_valid_api_version(value: &str) -> bool {
    is_valid_prefix_and_or_suffix(value, is_valid_dns_subdomain, |s| {
        (1..=63).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// 1–63 characters: a letter, then letters and digits.
pub fn is_valid_kind(value: &str) -> bool {
    (1..=63).contains(&value.len())
        && value.as_bytes()[0].is_ascii_alphabetic()
        && value.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// 1–63 characters of `[A-Za-z0-9-_.]`, starting and ending with a letter or digit:
/// `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`. Consecutive separators are allowed.
pub fn is_valid_object_name(value: &str) -> bool {
    let b = value.as_bytes();
    (1..=63).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// A DNS label used as a namespace: 1–63 of `[a-z0-9]` in groups joined by hyphens
/// (`^[a-z0-9]+(?:-+[a-z0-9]+)*$`).
pub fn is_valid_namespace(value: &str) -> bool {
    is_valid_dns_label(value)
}

/// 1–63 of `[a-z0-9]` in groups joined by one or more hyphens.
pub fn is_valid_dns_label(value: &str) -> bool {
    let b = value.as_bytes();
    (1..=63).contains(&b.len())
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

/// 1–253 characters of dot-separated DNS labels.
pub fn is_valid_dns_subdomain(value: &str) -> bool {
    (1..=253).contains(&value.len()) && value.split('.').all(is_valid_dns_label)
}

/// `[<dns-subdomain>/]<object-name>`.
pub fn is_valid_label_key(value: &str) -> bool {
    is_valid_prefix_and_or_suffix(value, is_valid_dns_subdomain, is_valid_object_name)
}

/// Empty, or an object name.
pub fn is_valid_label_value(value: &str) -> bool {
    value.is_empty() || is_valid_object_name(value)
}

/// `[<dns-subdomain>/]<object-name>`, as label keys.
pub fn is_valid_annotation_key(value: &str) -> bool {
    is_valid_label_key(value)
}

/// 1–63 of `[a-z0-9:+#]` in groups joined by single hyphens (`c++`, `c#`, `env:prod`).
pub fn is_valid_tag(value: &str) -> bool {
    let tag_char =
        |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b':' | b'+' | b'#');
    let b = value.as_bytes();
    (1..=63).contains(&b.len())
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && !value.contains("--")
        && b.iter().all(|&c| tag_char(c) || c == b'-')
}

/// An absolute URL by the WHATWG rules (any scheme).
pub fn is_valid_url(value: &str) -> bool {
    url::Url::parse(value).is_ok()
}

/// A string that is not empty after trimming.
pub fn is_valid_string(value: &str) -> bool {
    !value.trim().is_empty()
}

fn is_valid_prefix_and_or_suffix(
    value: &str,
    prefix: impl Fn(&str) -> bool,
    suffix: impl Fn(&str) -> bool,
) -> bool {
    let mut parts = value.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(only), None, _) => suffix(only),
        (Some(p), Some(s), None) => prefix(p) && suffix(s),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_allow_consecutive_separators_like_backstage() {
        for ok in [
            "a",
            "A",
            "Elements",
            "1upSampleData",
            "a--b",
            "a._b",
            "a-b_c.d",
            &"a".repeat(63),
        ] {
            assert!(is_valid_object_name(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "_a", "a b", "a/b", "ä", &"a".repeat(64)] {
            assert!(!is_valid_object_name(bad), "{bad}");
        }
    }

    #[test]
    fn tags_allow_language_names() {
        for ok in ["java", "c++", "c#", "env:prod", "a-b", "a1"] {
            assert!(is_valid_tag(ok), "{ok}");
        }
        for bad in [
            "Java",
            "node.js",
            "snake_case",
            "a--b",
            "go 1.15.3",
            "-a",
            "a-",
            "",
        ] {
            assert!(!is_valid_tag(bad), "{bad}");
        }
    }

    #[test]
    fn prefixes_are_dns_subdomains() {
        assert!(is_valid_annotation_key("backstage.io/techdocs-ref"));
        assert!(is_valid_annotation_key("simple"));
        assert!(!is_valid_annotation_key("Example.com/foo"));
        assert!(!is_valid_annotation_key("a/b/c"));
        assert!(is_valid_api_version("backstage.io/v1alpha1"));
        assert!(is_valid_api_version("v1"));
        assert!(!is_valid_api_version("backstage.io/v1-alpha1"));
    }
}
