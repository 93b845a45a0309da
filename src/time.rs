//! Times as people read and write them: RFC 3339 date-times (`2026-11-30T12:00:00Z`) in and
//! out, Unix seconds inside. A leaf: uses nothing else in the crate.
//!
//! Reports serialise their times with [`serde_rfc3339`] and [`serde_rfc3339_option`], so the
//! JSON a program reads has the same form as the times it passes in.

use std::time::Duration;

/// Now, Unix seconds (0 if the clock reads before 1970).
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `secs` (Unix seconds) as `YYYY-MM-DDTHH:MM:SSZ`; years past 9999 are written as 9999-12-31.
pub fn format_rfc3339(secs: u64) -> String {
    match der::DateTime::from_unix_duration(Duration::from_secs(secs)) {
        Ok(t) => t.to_string(),
        Err(_) => "9999-12-31T23:59:59Z".into(),
    }
}

/// Parses an RFC 3339 date-time (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, RFC 3339 §5.6) to Unix
/// seconds, dropping fractions (the second that contains the instant). `None` for anything
/// else, and for times before 1970.
pub fn parse_rfc3339(text: &str) -> Option<u64> {
    let number = |s: &str| if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) { s.parse::<u16>().ok() } else { None };
    let (date, rest) = text.split_once(['T', 't', ' '])?;
    let mut d = date.split('-');
    let (year, month, day) = (number(d.next()?)?, number(d.next()?)?, number(d.next()?)?);
    if d.next().is_some() {
        return None;
    }
    let (clock, offset) = if let Some(c) = rest.strip_suffix(['Z', 'z']) {
        (c, 0i64)
    } else {
        let at = rest.rfind(['+', '-'])?;
        let (c, off) = rest.split_at(at);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let (oh, om) = off.get(1..)?.split_once(':')?;
        let (oh, om) = (number(oh)?, number(om)?);
        if oh > 23 || om > 59 {
            return None;
        }
        (c, sign * (i64::from(oh) * 3600 + i64::from(om) * 60))
    };
    let (clock, fraction) = clock.split_once('.').unwrap_or((clock, "0"));
    if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut c = clock.split(':');
    let (hour, minute, second) = (number(c.next()?)?, number(c.next()?)?, number(c.next()?)?);
    if c.next().is_some() {
        return None;
    }
    let t =
        der::DateTime::new(year, month.try_into().ok()?, day.try_into().ok()?, hour.try_into().ok()?, minute.try_into().ok()?, second.try_into().ok()?).ok()?;
    u64::try_from(i64::try_from(t.unix_duration().as_secs()).ok()? - offset).ok()
}

/// Serde for a Unix-seconds field written as an RFC 3339 string; reading also takes the
/// number, as earlier versions wrote it.
pub mod serde_rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `secs` as RFC 3339.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(secs: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::format_rfc3339(*secs))
    }

    /// Reads RFC 3339 text or Unix seconds.
    ///
    /// # Errors
    /// Neither form.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Seconds(u64),
            Text(String),
        }
        match Either::deserialize(deserializer)? {
            Either::Seconds(s) => Ok(s),
            Either::Text(t) => super::parse_rfc3339(&t).ok_or_else(|| serde::de::Error::custom("not an RFC 3339 date-time")),
        }
    }
}

/// [`serde_rfc3339`] for an optional time (`null` when absent).
pub mod serde_rfc3339_option {
    use serde::Serializer;

    /// Writes `secs` as RFC 3339, or `null`.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(secs: &Option<u64>, serializer: S) -> Result<S::Ok, S::Error> {
        match secs {
            Some(s) => serializer.serialize_str(&super::format_rfc3339(*s)),
            None => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_offsets() {
        assert_eq!(parse_rfc3339("2011-04-15T00:00:00Z"), Some(1_302_825_600));
        assert_eq!(parse_rfc3339("2011-04-15T02:00:00+02:00"), Some(1_302_825_600));
        assert_eq!(parse_rfc3339("2011-04-14T22:00:00.5-02:00"), Some(1_302_825_600));
        assert_eq!(format_rfc3339(1_302_825_600), "2011-04-15T00:00:00Z");
        assert_eq!(parse_rfc3339(&format_rfc3339(1_800_000_000)), Some(1_800_000_000));
        for bad in
            ["2011-13-15T00:00:00Z", "yesterday", "2011-04-15", "2011-04-15T00:00Z", "2011-04-15T00:00:00+25:00", "2011-04-15T00:00:00.Z", "-1-04-15T00:00:00Z"]
        {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
