//! Human-friendly sizes (`1MiB`, `512KiB`, `1048576`) and durations (`30s`,
//! `500ms`, `2m`) for flags and environment variables.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

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
}
