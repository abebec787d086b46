//! Reading a JSON request body field by field, so that every problem is reported at once and a
//! typo never silently produces a different token: unknown and repeated fields are refused.
//!
//! Values are accepted as clients of Zoom's Node sample send them: numbers or numeric strings.

use crate::http::error::{BODY, Problem};
use crate::signature::{Lifetime, Role};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// A request body is flat; this leaves room for odd but harmless values, and keeps the parser's
/// recursion (and the work per request) small whatever a client sends.
const MAX_DEPTH: usize = 8;

/// The body's values for the `known` fields, in that order. Fatal problems (not JSON, not an
/// object) come back as `Err`; unknown and repeated fields are pushed to `problems` and reading
/// goes on, so the caller can report them together with bad values.
pub fn read_fields<const N: usize>(
    body: &[u8],
    known: [&str; N],
    example: &str,
    problems: &mut Vec<Problem>,
) -> Result<[Option<Value>; N], Vec<Problem>> {
    let fatal = |reason: String| Err(vec![Problem::new(BODY, reason)]);
    if body.iter().all(u8::is_ascii_whitespace) {
        return fatal(format!("the body is empty; send a JSON object such as {example}"));
    }
    if nesting_depth(body) > MAX_DEPTH {
        return fatal(format!(
            "the body nests deeper than {MAX_DEPTH} levels; a signature request is a flat object such as {example}"
        ));
    }
    let fields = match serde_json::from_slice::<Fields>(body) {
        Ok(Fields::Object(fields)) => fields,
        Ok(Fields::Other(kind)) => {
            return fatal(format!("the body must be a JSON object such as {example}, got {kind}"));
        }
        Err(e) => return fatal(format!("the body is not valid JSON: {e}")),
    };
    let mut values: [Option<Value>; N] = std::array::from_fn(|_| None);
    for (name, value) in fields {
        match known.iter().position(|k| *k == &*name) {
            Some(i) if values[i].is_some() => {
                problems.push(Problem::new(&*name, format!("{name} is given more than once; give it once")))
            }
            Some(i) => values[i] = Some(value),
            None => problems.push(Problem::new(
                shorten(&name),
                format!("unknown field {:?}; the fields are {}", shorten(&name), known.join(", ")),
            )),
        }
    }
    Ok(values)
}

/// A string field of at most a few hundred characters (checked by the caller's type).
pub fn text(value: &Value) -> Result<&str, String> {
    value.as_str().ok_or_else(|| format!("must be a string, got {}", describe(value)))
}

/// The deepest nesting of `[` and `{` outside strings; stops counting once past the limit.
fn nesting_depth(body: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &byte in body {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
                if deepest > MAX_DEPTH {
                    break;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

pub fn collect<T>(problems: &mut Vec<Problem>, property: &str, parsed: Result<T, String>) -> Option<T> {
    parsed.map_err(|reason| problems.push(Problem::new(property, format!("{property} {reason}")))).ok()
}

pub fn parse_role(value: &Value) -> Result<Role, String> {
    let must = "must be 0 (participant) or 1 (host)";
    let number = integer(value).ok_or_else(|| format!("{must}, got {}", describe(value)))?;
    Role::from_number(number).map_err(|e| e.to_string())
}

pub fn parse_lifetime(value: &Value, max: Lifetime) -> Result<Lifetime, String> {
    let bounds = format!("must be from {} to {} seconds", Lifetime::MIN.seconds(), max.seconds());
    let hint = if max < Lifetime::MAX { " (SIGNER_MAX_TTL)" } else { " (Zoom's limits)" };
    let seconds = integer(value).ok_or_else(|| format!("{bounds}{hint}, got {}", describe(value)))?;
    Lifetime::within(seconds, max).map_err(|_| format!("{bounds}{hint}, got {seconds}"))
}

pub fn parse_flag(value: &Value) -> Result<bool, String> {
    match integer(value) {
        Some(0) => Ok(false),
        Some(1) => Ok(true),
        _ => Err(format!("must be 0 or 1, got {}", describe(value))),
    }
}

/// A whole number given as a JSON number or a numeric string (`7200` or `"7200"`).
pub fn integer(value: &Value) -> Option<i128> {
    match value {
        Value::Number(n) => n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from)).or_else(|| {
            // `1.0` is the number 1 in JSON (and in JavaScript, which sends it); `1.5` is not whole.
            const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53: beyond it floats skip integers.
            n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < EXACT).map(|f| f as i128)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A value as a reason shows it: short, and never more than a few dozen characters of input.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => shorten(&n.to_string()),
        Value::String(s) => format!("{:?}", shorten(s)),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

pub fn shorten(text: &str) -> String {
    const MAX_CHARS: usize = 40;
    match text.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// The top level of a body: an object's fields in order, duplicates kept so they can be refused.
enum Fields<'de> {
    Object(Vec<(Key<'de>, Value)>),
    Other(&'static str),
}

/// A field name, borrowed from the body unless it had escapes.
struct Key<'de>(Cow<'de, str>);

impl std::ops::Deref for Key<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Key<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E>(self, name: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(name)))
            }
            fn visit_str<E>(self, name: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(name.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

impl<'de> serde::Deserialize<'de> for Fields<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldsVisitor)
    }
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Fields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'de>, A::Error> {
        let mut fields = Vec::with_capacity(4);
        while let Some(entry) = map.next_entry::<Key<'de>, Value>()? {
            fields.push(entry);
        }
        Ok(Fields::Object(fields))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Fields<'de>, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Fields::Other("an array"))
    }

    fn visit_str<E>(self, _: &str) -> Result<Fields<'de>, E> {
        Ok(Fields::Other("a string"))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Fields<'de>, E> {
        Ok(Fields::Other("a boolean"))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Fields<'de>, E> {
        Ok(Fields::Other("a number"))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Fields<'de>, E> {
        Ok(Fields::Other("a number"))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Fields<'de>, E> {
        Ok(Fields::Other("a number"))
    }

    fn visit_unit<E>(self) -> Result<Fields<'de>, E> {
        Ok(Fields::Other("null"))
    }
}
