//! Requirement and marker text that `pep508_rs` 0.9 would panic on (or
//! overflow the stack with, or take very long for): checked before it is
//! parsed, by the lock readers (`ofiuco lock`) and the sdist reader
//! (`ofiuco sdist-info`'s `build-system.requires`).

/// Parentheses nest at most this deep in a marker or requirement (the
/// parser recurses once per level; real markers nest once or twice).
pub const MAX_MARKER_DEPTH: usize = 32;

/// A marker or requirement has at most this many `and`/`or` operators: the
/// marker algebra's work grows faster than linearly with them (real markers
/// of the corpus have up to 11).
pub const MAX_MARKER_OPERATORS: usize = 100;

/// Why `pep508_rs` must not parse `text` as a requirement
/// (`name [extras] (specifiers) ; marker`): a name or extra that ends in
/// `-`, `_` or `.` before more text (`pep508_rs` 0.9 panics on `b.. (>=1)`,
/// `b../c`, `a[x.]`), an environment variable (`${HOME}`: `pep508_rs`
/// expands it), or a marker that [`marker_problem`] refuses.
pub fn requirement_problem(text: &str) -> Option<String> {
    if text.contains("${") {
        // pep508_rs expands them in URLs, and would print the value of, say,
        // a CI token in its error message.
        return Some("environment variables (`${...}`) are not expanded".to_string());
    }
    let rest = text.trim_start();
    let name_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        .count();
    let (name, rest) = rest.split_at(name_len);
    if name.ends_with(['-', '_', '.']) && !rest.is_empty() {
        return Some("the name ends with `-`, `_` or `.`".to_string());
    }
    if let Some(extras) = rest.trim_start().strip_prefix('[') {
        let extras = extras.split(']').next().unwrap_or_default();
        if extras
            .split(',')
            .any(|extra| extra.trim().ends_with(['-', '_', '.']))
        {
            return Some("an extra ends with `-`, `_` or `.`".to_string());
        }
    }
    marker_problem(text)
}

/// Why `pep508_rs` must not parse `text` as a marker: parentheses nested
/// deeper than [`MAX_MARKER_DEPTH`] (its parser recurses: a stack overflow
/// aborts the process), more than [`MAX_MARKER_OPERATORS`] `and`/`or`, a
/// number of 20 digits or more (its version arithmetic adds 1 to
/// components: `u64::MAX + 1` overflows), or a non-ASCII character outside
/// quotes (found by the fuzzer: `python_version < "3.10"\u{202e}` panics in
/// its cursor).
pub fn marker_problem(text: &str) -> Option<String> {
    let (mut depth, mut max_depth, mut digits, mut max_digits) = (0usize, 0, 0, 0);
    let mut quote = None;
    for b in text.bytes() {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), b) if b == q => quote = None,
            // pep508_rs 0.9 looks for `and`/`or` counting characters, then
            // slices bytes: a non-ASCII character there panics.
            (None, 0x80..) => {
                return Some("a non-ASCII character outside a quoted value".to_string())
            }
            _ => {}
        }
        match b {
            b'(' => {
                depth += 1;
                max_depth = max_depth.max(depth);
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        digits = if b.is_ascii_digit() { digits + 1 } else { 0 };
        max_digits = max_digits.max(digits);
    }
    if max_depth > MAX_MARKER_DEPTH {
        return Some(format!(
            "parentheses nest deeper than {MAX_MARKER_DEPTH} levels"
        ));
    }
    let operators = text
        .split(|c: char| c.is_ascii_whitespace() || c == '(' || c == ')')
        .filter(|word| matches!(*word, "and" | "or"))
        .count();
    if operators > MAX_MARKER_OPERATORS {
        return Some(format!(
            "more than {MAX_MARKER_OPERATORS} `and`/`or` operators"
        ));
    }
    if max_digits >= 20 {
        return Some("a number of 20 digits or more".to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_extras_that_pep508_rs_panics_on() {
        // Found by fuzzing `build-system.requires` (pep508_rs 0.9:
        // "`PackageName` validation should match PEP 508 parsing").
        for bad in [
            "a- (>=1)",
            "b.. (>=1)",
            "b../c",
            "a[x.]",
            "a[y_]",
            "a[x, y_ ]",
            "x @ ${HOME}/y",
        ] {
            assert!(requirement_problem(bad).is_some(), "{bad:?}");
        }
        for ok in ["a", "a-b (>=1)", "a[x,y] ; python_version >= '3.8'", "a-"] {
            assert_eq!(requirement_problem(ok), None, "{ok:?}");
        }
    }
}
