//! Time zones by IANA name (`Europe/Kyiv`), with a suggestion for a near miss.

use chrono_tz::Tz;

/// The zone named `name`: exact first, then the same name in other letter case (the
/// database names are unique ignoring case). The error says what was meant when a
/// known name is a small edit away.
pub fn parse_zone(name: &str) -> Result<Tz, String> {
    let name = name.trim();
    if let Ok(tz) = name.parse::<Tz>() {
        return Ok(tz);
    }
    let names: Vec<&'static str> = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name()).collect();
    if let Some(tz) = chrono_tz::TZ_VARIANTS
        .iter()
        .find(|t| t.name().eq_ignore_ascii_case(name))
    {
        return Ok(*tz);
    }
    let lower: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    let lower_refs: Vec<&str> = lower.iter().map(String::as_str).collect();
    let meant = crate::domain::closest(&name.to_ascii_lowercase(), &lower_refs)
        .and_then(|m| lower_refs.iter().position(|l| *l == m))
        .map(|i| names[i]);
    Err(match meant {
        Some(m) => format!("unknown time zone `{name}`: did you mean `{m}`?"),
        None => format!("unknown time zone `{name}`"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_by_name() {
        assert_eq!(parse_zone("Europe/Kyiv").unwrap(), chrono_tz::Europe::Kyiv);
        assert_eq!(parse_zone("UTC").unwrap(), chrono_tz::UTC);
        assert_eq!(parse_zone("europe/kyiv").unwrap(), chrono_tz::Europe::Kyiv);
    }

    #[test]
    fn a_near_miss_is_suggested() {
        let e = parse_zone("Europe/Warsw").unwrap_err();
        assert!(e.contains("did you mean `Europe/Warsaw`"), "{e}");
        let e = parse_zone("Mars/Olympus").unwrap_err();
        assert_eq!(e, "unknown time zone `Mars/Olympus`");
    }
}
