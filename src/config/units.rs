//! Human-friendly sizes (`1MiB`, `512KiB`, `1048576`) and durations (`30s`,
//! `500ms`, `2m`) for flags, environment variables and `scimshim.yaml`, where a
//! bare integer is also accepted (bytes, or seconds).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// A size in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub usize);

impl FromStr for ByteSize {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let n: usize = num
            .parse()
            .map_err(|_| format!("`{s}` is not a size; write e.g. 1MiB, 512KiB or 1048576"))?;
        let mult = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kb" | "kib" => 1024,
            "m" | "mb" | "mib" => 1024 * 1024,
            "g" | "gb" | "gib" => 1024 * 1024 * 1024,
            _ => {
                return Err(format!(
                    "`{s}`: unknown size unit `{unit}`; use KiB, MiB or GiB"
                ));
            }
        };
        n.checked_mul(mult)
            .filter(|b| *b > 0)
            .map(ByteSize)
            .ok_or_else(|| format!("`{s}` is out of range"))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span(pub Duration);

impl FromStr for Span {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let n: u64 = num
            .parse()
            .map_err(|_| format!("`{s}` is not a duration; write e.g. 30s, 500ms or 2m"))?;
        let d = match unit.trim() {
            "ms" => Duration::from_millis(n),
            "" | "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.saturating_mul(60)),
            _ => {
                return Err(format!(
                    "`{s}`: unknown duration unit `{unit}`; use ms, s or m"
                ));
            }
        };
        Ok(Span(d))
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.0.as_millis())
    }
}

/// Deserialises a unit value from a string (parsed like the flag) or from a
/// non-negative integer (given to `from_int`).
struct UnitVisitor<T> {
    expecting: &'static str,
    from_int: fn(u64) -> Result<T, String>,
}

impl<T: FromStr<Err = String>> Visitor<'_> for UnitVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.expecting)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        (self.from_int)(v).map_err(E::custom)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        match u64::try_from(v) {
            Ok(n) => self.visit_u64(n),
            Err(_) => Err(E::custom(format!("`{v}` must not be negative"))),
        }
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UnitVisitor {
            expecting: "a size such as `1MiB`, `512KiB` or a number of bytes",
            from_int: |n| {
                usize::try_from(n)
                    .ok()
                    .filter(|b| *b > 0)
                    .map(ByteSize)
                    .ok_or_else(|| format!("`{n}` is out of range"))
            },
        })
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UnitVisitor {
            expecting: "a duration such as `30s`, `500ms`, `2m` or a number of seconds",
            from_int: |n| Ok(Span(Duration::from_secs(n))),
        })
    }
}

/// A schema for a string with `pattern`, or an integer.
fn unit_schema(description: &str, pattern: &str) -> Schema {
    let value = serde_json::json!({
        "description": description,
        "anyOf": [
            {"type": "string", "pattern": pattern},
            {"type": "integer", "minimum": 0}
        ]
    });
    match value {
        serde_json::Value::Object(map) => Schema::from(map),
        _ => Schema::default(),
    }
}

impl JsonSchema for ByteSize {
    fn schema_name() -> Cow<'static, str> {
        "ByteSize".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        unit_schema(
            "A size: a number of bytes, or a number with a unit (B, KiB, MiB, GiB; KB, MB, GB mean the same).",
            "^\\s*[0-9]+\\s*([kKmMgG]([iI]?[bB])?|[bB])?\\s*$",
        )
    }
}

impl JsonSchema for Span {
    fn schema_name() -> Cow<'static, str> {
        "Span".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        unit_schema(
            "A duration: a number of seconds, or a number with a unit (ms, s, m).",
            "^\\s*[0-9]+\\s*(ms|s|m)?\\s*$",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!("1MiB".parse::<ByteSize>().unwrap().0, 1 << 20);
        assert_eq!("512kib".parse::<ByteSize>().unwrap().0, 512 << 10);
        assert_eq!("100".parse::<ByteSize>().unwrap().0, 100);
        assert!("0".parse::<ByteSize>().is_err());
        assert!("1TB".parse::<ByteSize>().is_err());
        assert!("lots".parse::<ByteSize>().is_err());
    }

    #[test]
    fn durations() {
        assert_eq!("30s".parse::<Span>().unwrap().0, Duration::from_secs(30));
        assert_eq!(
            "250ms".parse::<Span>().unwrap().0,
            Duration::from_millis(250)
        );
        assert_eq!("2m".parse::<Span>().unwrap().0, Duration::from_secs(120));
        assert_eq!("5".parse::<Span>().unwrap().0, Duration::from_secs(5));
        assert!("5h".parse::<Span>().is_err());
    }

    #[test]
    fn deserialise_from_strings_and_integers() {
        let size: ByteSize = serde_json::from_value(serde_json::json!("2MiB")).unwrap();
        assert_eq!(size.0, 2 << 20);
        let size: ByteSize = serde_json::from_value(serde_json::json!(4096)).unwrap();
        assert_eq!(size.0, 4096);
        let err = serde_json::from_value::<ByteSize>(serde_json::json!(0)).unwrap_err();
        assert_eq!(err.to_string(), "`0` is out of range");
        let span: Span = serde_json::from_value(serde_json::json!("250ms")).unwrap();
        assert_eq!(span.0, Duration::from_millis(250));
        let span: Span = serde_json::from_value(serde_json::json!(7)).unwrap();
        assert_eq!(span.0, Duration::from_secs(7));
        let err = serde_json::from_value::<Span>(serde_json::json!("5h")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`5h`: unknown duration unit `h`; use ms, s or m"
        );
        assert!(serde_json::from_value::<Span>(serde_json::json!(-1)).is_err());
        assert!(serde_json::from_value::<Span>(serde_json::json!(true)).is_err());
    }

    #[test]
    fn schema_patterns_agree_with_the_parsers() {
        let schema = serde_json::to_value(schemars::schema_for!(ByteSize)).unwrap();
        let pattern = schema["anyOf"][0]["pattern"].as_str().unwrap();
        let re = regex::Regex::new(pattern).unwrap();
        for ok in ["1MiB", "512kib", "100", "3 GB", "7b", "2k"] {
            assert!(re.is_match(ok), "{ok}");
            assert!(ok.parse::<ByteSize>().is_ok(), "{ok}");
        }
        assert!(!re.is_match("1TB"));
        let schema = serde_json::to_value(schemars::schema_for!(Span)).unwrap();
        let pattern = schema["anyOf"][0]["pattern"].as_str().unwrap();
        let re = regex::Regex::new(pattern).unwrap();
        for ok in ["30s", "250ms", "2m", "5"] {
            assert!(re.is_match(ok), "{ok}");
            assert!(ok.parse::<Span>().is_ok(), "{ok}");
        }
        assert!(!re.is_match("5h"));
    }
}
