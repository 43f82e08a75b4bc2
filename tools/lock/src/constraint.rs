//! Poetry version constraints (`^1.2`, `~1.2`, `>=1,<2 || 3.*`) translated to
//! PEP 440 specifiers, which `pep440_rs` then evaluates.

use std::str::FromStr;

use pep440_rs::{Operator, Version, VersionSpecifier};
use pep508_rs::MarkerTree;

/// A constraint in disjunctive form: any of the alternatives, each a list of
/// specifiers that must all hold. An empty alternative allows everything.
pub(crate) type Alternatives = Vec<Vec<VersionSpecifier>>;

/// Parse a poetry constraint. `None` when it cannot be parsed.
pub(crate) fn parse_constraint(constraint: &str) -> Option<Alternatives> {
    constraint.split("||").map(parse_conjunction).collect()
}

fn parse_conjunction(text: &str) -> Option<Vec<VersionSpecifier>> {
    let mut specs = Vec::new();
    for part in text.split(',') {
        // Poetry also accepts space-separated clauses (`>=1.2 <2`) and a space
        // between operator and version (`>= 1.2`).
        let mut pending_op: Option<&str> = None;
        for token in part.split_whitespace() {
            if token.chars().all(|c| "<>=!~^".contains(c)) {
                pending_op = Some(token);
                continue;
            }
            match pending_op.take() {
                Some(op) => clause(&format!("{op}{token}"), &mut specs)?,
                None => clause(token, &mut specs)?,
            }
        }
        if pending_op.is_some() {
            return None;
        }
    }
    Some(specs)
}

fn clause(token: &str, specs: &mut Vec<VersionSpecifier>) -> Option<()> {
    if token == "*" {
        return Some(());
    }
    if let Some(rest) = token.strip_prefix('^') {
        let v = Version::from_str(rest).ok()?;
        let upper = caret_upper(v.release())?;
        specs.push(VersionSpecifier::from_version(Operator::GreaterThanEqual, v).ok()?);
        specs.push(VersionSpecifier::from_version(Operator::LessThan, upper).ok()?);
        return Some(());
    }
    if token.starts_with("~=") {
        specs.push(VersionSpecifier::from_str(token).ok()?);
        return Some(());
    }
    if let Some(rest) = token.strip_prefix('~') {
        let v = Version::from_str(rest).ok()?;
        let upper = tilde_upper(v.release())?;
        specs.push(VersionSpecifier::from_version(Operator::GreaterThanEqual, v).ok()?);
        specs.push(VersionSpecifier::from_version(Operator::LessThan, upper).ok()?);
        return Some(());
    }
    let spec = if token.starts_with(['<', '>', '!']) || token.starts_with("==") {
        VersionSpecifier::from_str(token).ok()?
    } else if let Some(rest) = token.strip_prefix('=') {
        VersionSpecifier::from_str(&format!("=={rest}")).ok()?
    } else {
        // A bare version (`1.2.3`, `1.2.*`) means exactly that version.
        VersionSpecifier::from_str(&format!("=={token}")).ok()?
    };
    specs.push(spec);
    Some(())
}

/// Poetry's `next_breaking`: bump the first non-zero component that was given
/// (`^1.2.3` -> 2, `^0.2.3` -> 0.3, `^0.0.3` -> 0.0.4, `^0.0` -> 0.1, `^0` -> 1).
/// `None` when the component cannot grow (`u64::MAX`).
fn caret_upper(release: &[u64]) -> Option<Version> {
    let major = release.first().copied().unwrap_or(0);
    let minor = release.get(1).copied();
    let patch = release.get(2).copied();
    Some(if major > 0 || minor.is_none() {
        Version::new([major.checked_add(1)?])
    } else if minor.unwrap_or(0) > 0 || patch.is_none() {
        Version::new([0, minor.unwrap_or(0).checked_add(1)?])
    } else {
        Version::new([0, 0, patch.unwrap_or(0).checked_add(1)?])
    })
}

/// Poetry's tilde: `~1` -> <2, `~1.2` and `~1.2.3` -> <1.3. `None` when the
/// component cannot grow (`u64::MAX`).
fn tilde_upper(release: &[u64]) -> Option<Version> {
    let major = release.first().copied().unwrap_or(0);
    Some(match release.get(1) {
        None => Version::new([major.checked_add(1)?]),
        Some(minor) => Version::new([major, minor.checked_add(1)?]),
    })
}

/// Whether `version` satisfies the poetry `constraint` (`*`, `>=1.2,<2`, `^1.2`,
/// `~1.2`, `==1.2.*`, `1.2.3`, `>=1 || <0.5`, `!=2.0.*`). Used to tell which
/// locked version of a name a dependency edge points to. An unparsable
/// constraint or version allows everything.
pub fn constraint_allows(constraint: &str, version: &str) -> bool {
    let Ok(version) = Version::from_str(version.trim()) else {
        return true;
    };
    let Some(alternatives) = parse_constraint(constraint) else {
        return true;
    };
    alternatives
        .iter()
        .any(|specs| specs.iter().all(|s| s.contains(&version)))
}

/// Which entries of a name locked several times a constraint allows: none,
/// exactly one (its index), or several.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Allowed {
    None,
    One(usize),
    Several,
}

/// [`constraint_allows`] over `sorted` (ascending) versions, stopping at the
/// second match. Each alternative is checked only on the versions between
/// the bounds its specifiers imply (found by binary search), so that many
/// constraints over many versions of one name cost about the number of
/// versions each allows, not all of them.
pub fn allowed_among(constraint: &str, sorted: &[Version]) -> Allowed {
    let Some(alternatives) = parse_constraint(constraint) else {
        return several(sorted.len());
    };
    let mut found: Option<usize> = None;
    for specs in &alternatives {
        let (low, high) = window(specs, sorted);
        for (i, version) in sorted.iter().enumerate().take(high).skip(low) {
            if found == Some(i) || !specs.iter().all(|s| s.contains(version)) {
                continue;
            }
            if found.is_some() {
                return Allowed::Several;
            }
            found = Some(i);
        }
    }
    found.map_or(Allowed::None, Allowed::One)
}

/// Everything allowed: several, unless there is one entry (or none).
fn several(n: usize) -> Allowed {
    match n {
        0 => Allowed::None,
        1 => Allowed::One(0),
        _ => Allowed::Several,
    }
}

/// The index range of `sorted` outside which no version can satisfy all of
/// `specs`: below the smallest version of a lower bound's release (every
/// pre-, post- and dev-release and local version of it included) or at or
/// above the next release after an upper bound's.
fn window(specs: &[VersionSpecifier], sorted: &[Version]) -> (usize, usize) {
    let (mut low, mut high) = (0, sorted.len());
    for spec in specs {
        let v = spec.version();
        let floor = Version::new(v.release().iter().copied())
            .with_epoch(v.epoch())
            .with_min(Some(0));
        let ceiling = || {
            let release = v.release();
            let mut next: Vec<u64> = release.to_vec();
            if let Some(last) = next.last_mut() {
                *last = last.saturating_add(1);
            }
            Version::new(next).with_epoch(v.epoch()).with_min(Some(0))
        };
        let (lower, upper) = match spec.operator() {
            // `~=1.2.3` is `>=1.2.3, ==1.2.*`: the lower bound is enough.
            Operator::GreaterThan | Operator::GreaterThanEqual | Operator::TildeEqual => {
                (Some(floor), None)
            }
            Operator::LessThan | Operator::LessThanEqual => (None, Some(ceiling())),
            Operator::Equal | Operator::ExactEqual | Operator::EqualStar => {
                (Some(floor), Some(ceiling()))
            }
            Operator::NotEqual | Operator::NotEqualStar => (None, None),
        };
        if let Some(lower) = lower {
            low = low.max(sorted.partition_point(|x| *x < lower));
        }
        if let Some(upper) = upper {
            high = high.min(sorted.partition_point(|x| *x < upper));
        }
    }
    (low, high.max(low))
}

/// Turn a poetry `python = "..."` constraint into a marker on `python_version`
/// (or `python_full_version` for three-component versions). `Ok(None)` for `*`.
/// `Err` says why: the constraint cannot be parsed, or the marker made of it
/// cannot (or must not: see [`crate::validate::marker_problem`]).
pub(crate) fn python_marker(constraint: &str) -> Result<Option<MarkerTree>, String> {
    let alternatives =
        parse_constraint(constraint).ok_or_else(|| "not a version constraint".to_string())?;
    if alternatives.iter().any(Vec::is_empty) {
        return Ok(None);
    }
    let text = alternatives
        .iter()
        .map(|specs| {
            let clauses: Vec<String> = specs.iter().map(python_clause).collect();
            format!("({})", clauses.join(" and "))
        })
        .collect::<Vec<_>>()
        .join(" or ");
    if let Some(problem) = crate::validate::marker_problem(&text) {
        return Err(problem);
    }
    MarkerTree::from_str(&text)
        .map(Some)
        .map_err(|e| format!("{text}: {e}"))
}

fn python_clause(spec: &VersionSpecifier) -> String {
    let version = spec.version();
    let key = if version.release().len() >= 3 {
        "python_full_version"
    } else {
        "python_version"
    };
    let (op, star) = match spec.operator() {
        Operator::EqualStar => ("==", ".*"),
        Operator::NotEqualStar => ("!=", ".*"),
        op => (op_str(*op), ""),
    };
    format!("{key} {op} '{version}{star}'")
}

fn op_str(op: Operator) -> &'static str {
    match op {
        Operator::Equal | Operator::EqualStar => "==",
        Operator::ExactEqual => "===",
        Operator::NotEqual | Operator::NotEqualStar => "!=",
        Operator::TildeEqual => "~=",
        Operator::LessThan => "<",
        Operator::LessThanEqual => "<=",
        Operator::GreaterThan => ">",
        Operator::GreaterThanEqual => ">=",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "1.0", true),
            (">=1.2,<2", "1.5", true),
            (">=1.2,<2", "2.0", false),
            (">=1.2, <2", "1.1", false),
            (">=1.2 <2", "1.9.9", true),
            (">= 1.2", "1.2", true),
            ("^1.2", "1.9", true),
            ("^1.2", "2.0", false),
            ("^0.2.3", "0.2.9", true),
            ("^0.2.3", "0.3.0", false),
            ("^0.0.3", "0.0.4", false),
            ("^0", "0.9", true),
            ("^0", "1.0", false),
            ("~1.2", "1.2.9", true),
            ("~1.2", "1.3", false),
            ("~1.2.3", "1.2.2", false),
            ("~1", "1.9", true),
            ("~=1.2", "1.9", true),
            ("~=1.2", "2.0", false),
            ("==1.2.*", "1.2.7", true),
            ("==1.2.*", "1.3", false),
            ("1.2.3", "1.2.3", true),
            ("1.2.3", "1.2.4", false),
            (">=1 || <0.5", "0.4", true),
            (">=1 || <0.5", "0.7", false),
            ("!=2.0.*", "2.0.3", false),
            ("!=2.0.*", "2.1", true),
            (">=3.0.2,<3.3.0b1 || >3.3.0b1", "3.3.0b1", false),
            (">=3.0.2,<3.3.0b1 || >3.3.0b1", "3.4", true),
            ("2.0.1", "2.0.1+cu118", true),
            ("==2.0.1", "2.0.1+cu118", true),
            ("=1.0", "1.0", true),
            ("not a constraint", "1.0", true),
            (">=1", "not a version", true),
        ];
        for (c, v, expected) in cases {
            assert_eq!(constraint_allows(c, v), *expected, "{c} vs {v}");
        }
    }

    /// `allowed_among` agrees with checking every version, for every
    /// constraint above over versions around its bounds (pre-, post-, dev-
    /// releases and local versions included) and subsets of them.
    #[test]
    fn allowed_among_agrees_with_checking_every_version() {
        let constraints = [
            "*",
            ">=1.2,<2",
            ">=1.2 <2",
            "^1.2",
            "^0.2.3",
            "^0.0.3",
            "^0",
            "~1.2",
            "~1.2.3",
            "~1",
            "~=1.2",
            "~=1.2.3",
            "==1.2.*",
            "1.2.3",
            ">=1 || <0.5",
            "!=2.0.*",
            ">=3.0.2,<3.3.0b1 || >3.3.0b1",
            "2.0.1",
            "==2.0.1",
            "<=2.0.1",
            "<2.0.1",
            ">2.0.1",
            "===2.0.1",
            "==1!2.0",
            ">=1!1.0",
            "<2.0,!=1.5",
            "not a constraint",
            ">=1.2,<1.2",
        ];
        let versions = [
            "0.1",
            "0.2.3",
            "0.2.9",
            "0.3.0",
            "0.4",
            "0.7",
            "1.0",
            "1.1",
            "1.2.0.dev1",
            "1.2a1",
            "1.2",
            "1.2.0",
            "1.2.2",
            "1.2.3",
            "1.2.3.post1",
            "1.2.4",
            "1.2.7",
            "1.2.9",
            "1.3",
            "1.5",
            "1.9",
            "1.9.9",
            "2.0rc1",
            "2.0",
            "2.0.1",
            "2.0.1+cu118",
            "2.0.1.post2",
            "2.0.3",
            "2.1",
            "3.3.0b1",
            "3.4",
            "1!1.0",
            "1!2.0",
        ];
        let mut all: Vec<Version> = versions.iter().map(|v| v.parse().unwrap()).collect();
        all.sort();
        for constraint in constraints {
            for skip in 0..5 {
                // Every version, then every other one from different starts...
                let sorted: Vec<Version> = all
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| skip == 0 || i % (skip + 1) == 0)
                    .map(|(_, v)| v.clone())
                    .collect();
                let fitting: Vec<usize> = (0..sorted.len())
                    .filter(|&i| constraint_allows(constraint, &sorted[i].to_string()))
                    .collect();
                let expected = match fitting[..] {
                    [] => Allowed::None,
                    [one] => Allowed::One(one),
                    _ => Allowed::Several,
                };
                assert_eq!(
                    allowed_among(constraint, &sorted),
                    expected,
                    "{constraint} over {sorted:?}"
                );
            }
        }
    }

    #[test]
    fn python_markers() {
        let text = |c: &str| python_marker(c).unwrap().and_then(|m| m.try_to_string());
        assert_eq!(text("*"), None);
        insta::assert_snapshot!(text(">=3.8").unwrap(), @"python_full_version >= '3.8'");
        insta::assert_snapshot!(text("~3.9").unwrap(), @"python_full_version == '3.9.*'");
        insta::assert_snapshot!(text(">=3.8,<3.11").unwrap(), @"python_full_version >= '3.8' and python_full_version < '3.11'");
        insta::assert_snapshot!(text("<3.8 || >=3.10.2").unwrap(), @"python_full_version < '3.8' or python_full_version >= '3.10.2'");
        assert!(python_marker("nonsense").is_err());
    }
}
