//! Plain-scalar resolution with the YAML 1.2 core schema, the schema of the `yaml` v2
//! package that Backstage reads descriptors with: `yes`, `no`, `on`, `off` and dates stay
//! strings; `true`, numbers and `~` are typed.

use crate::node::Value;

/// Resolves an untagged plain scalar.
pub(crate) fn resolve_plain(text: &str) -> Value {
    if is_null(text) {
        return Value::Null;
    }
    match text {
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    number(text).unwrap_or_else(|| Value::String(text.to_owned()))
}

/// Resolves a scalar carrying a core-schema tag (`!!str`, `!!int`, ...). `None` means the
/// text does not fit the tag.
pub(crate) fn resolve_tagged(suffix: &str, text: &str) -> Option<Value> {
    match suffix {
        "str" | "binary" | "timestamp" => Some(Value::String(text.to_owned())),
        "null" => is_null(text).then_some(Value::Null),
        "bool" => match text {
            "true" | "True" | "TRUE" => Some(Value::Bool(true)),
            "false" | "False" | "FALSE" => Some(Value::Bool(false)),
            _ => None,
        },
        "int" => integer(text),
        "float" => number(text).map(|v| match v {
            Value::Int(i) => Value::Float(i as f64),
            other => other,
        }),
        _ => Some(resolve_plain(text)),
    }
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

fn integer(text: &str) -> Option<Value> {
    if let Some(oct) = text.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok().map(Value::Int);
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(Value::Int);
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Too large for 64 bits: JavaScript keeps it as an (imprecise) number.
    Some(
        text.parse::<i64>()
            .map(Value::Int)
            .unwrap_or_else(|_| Value::Float(text.parse::<f64>().unwrap_or(f64::NAN))),
    )
}

fn number(text: &str) -> Option<Value> {
    if let Some(v) = integer(text) {
        return Some(v);
    }
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Some(Value::Float(f64::INFINITY));
        }
        "-.inf" | "-.Inf" | "-.INF" => return Some(Value::Float(f64::NEG_INFINITY)),
        ".nan" | ".NaN" | ".NAN" => return Some(Value::Float(f64::NAN)),
        _ => {}
    }
    is_core_float(text).then(|| text.parse::<f64>().ok().map(Value::Float))?
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, with either a dot or an exponent.
fn is_core_float(text: &str) -> bool {
    let b = text.strip_prefix(['-', '+']).unwrap_or(text).as_bytes();
    let mut i = 0;
    let int_digits = count_digits(&b[i..]);
    i += int_digits;
    let mut frac_digits = 0;
    let mut dot = false;
    if b.get(i) == Some(&b'.') {
        dot = true;
        i += 1;
        frac_digits = count_digits(&b[i..]);
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    let mut exponent = false;
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp_digits = count_digits(&b[i..]);
        if exp_digits == 0 {
            return false;
        }
        i += exp_digits;
        exponent = true;
    }
    i == b.len() && (dot || exponent)
}

fn count_digits(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_digit()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_schema_table() {
        let cases: &[(&str, Value)] = &[
            ("", Value::Null),
            ("~", Value::Null),
            ("null", Value::Null),
            ("NULL", Value::Null),
            ("nULL", Value::String("nULL".into())),
            ("true", Value::Bool(true)),
            ("False", Value::Bool(false)),
            ("yes", Value::String("yes".into())),
            ("no", Value::String("no".into())),
            ("on", Value::String("on".into())),
            ("off", Value::String("off".into())),
            ("2021-01-01", Value::String("2021-01-01".into())),
            ("42", Value::Int(42)),
            ("-7", Value::Int(-7)),
            ("+7", Value::Int(7)),
            ("0o17", Value::Int(15)),
            ("0x1F", Value::Int(31)),
            ("017", Value::Int(17)),
            ("1.5", Value::Float(1.5)),
            ("1.", Value::Float(1.0)),
            (".5", Value::Float(0.5)),
            ("1e3", Value::Float(1000.0)),
            ("-1.2E-2", Value::Float(-0.012)),
            ("1.2.3", Value::String("1.2.3".into())),
            ("go 1.15.3", Value::String("go 1.15.3".into())),
            ("1_000", Value::String("1_000".into())),
            (".", Value::String(".".into())),
            ("-", Value::String("-".into())),
            ("e3", Value::String("e3".into())),
            (".inf", Value::Float(f64::INFINITY)),
            ("-.Inf", Value::Float(f64::NEG_INFINITY)),
        ];
        for (text, expected) in cases {
            assert_eq!(&resolve_plain(text), expected, "resolving {text:?}");
        }
        assert!(matches!(resolve_plain(".nan"), Value::Float(f) if f.is_nan()));
        assert!(matches!(
            resolve_plain("99999999999999999999"),
            Value::Float(_)
        ));
    }

    #[test]
    fn tags_force_a_type_or_fail() {
        assert_eq!(
            resolve_tagged("str", "42"),
            Some(Value::String("42".into()))
        );
        assert_eq!(resolve_tagged("int", "42"), Some(Value::Int(42)));
        assert_eq!(resolve_tagged("int", "forty"), None);
        assert_eq!(resolve_tagged("float", "1"), Some(Value::Float(1.0)));
        assert_eq!(resolve_tagged("bool", "yes"), None);
        assert_eq!(resolve_tagged("null", "~"), Some(Value::Null));
    }
}
