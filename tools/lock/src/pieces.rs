//! A large poetry.lock's TOML, deserialized in pieces on several threads.
//!
//! TOML is read in one pass, so a 2 MB lock costs tens of milliseconds on
//! one core while the others wait. A poetry.lock is a run of
//! `[[package]]` tables (and a `[metadata]` table), each self-contained, so
//! the text is cut at `[[package]]` header lines into pieces whose
//! deserializations, joined, are the whole text's:
//!
//! * The cuts are lines that are exactly `[[package]]`, and only in text
//!   with no multi-line string (`"""`, `'''`): such a line is then a table
//!   header, or sits inside an array or inline table, where the piece
//!   before it does not parse.
//! * Every piece but the first starts with `[[package]]`, so `package` is an
//!   array of tables in each; the first piece (the text before the first
//!   cut) must not define `package` itself.
//! * No other top-level key is defined in two pieces (TOML defines a key
//!   once); `[metadata]` is in one piece.
//! * Spans are shifted by each piece's offset, so errors name the lines of
//!   the whole text.
//!
//! When any of this does not hold, or any piece fails, the whole text is
//! deserialized as one (its errors are the ones reported): the pieces only
//! ever make a valid lock faster.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use toml::Spanned;

use crate::raw::{RawFile, RawLock, RawMetadata, RawPackage};

/// Text below this many bytes per piece is deserialized whole (a thread
/// costs more than it saves).
const MIN_PIECE: usize = 256 * 1024;

/// The most threads: the pieces of the largest corpus locks.
const MAX_PIECES: usize = 4;

/// `text` deserialized as a [`RawLock`], in pieces when that is faster.
pub(crate) fn raw_lock(text: &str) -> Result<RawLock, toml::de::Error> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let pieces = (text.len() / MIN_PIECE).min(threads).min(MAX_PIECES);
    raw_lock_in(text, pieces)
}

/// [`raw_lock`] with at most `pieces` package pieces (tests choose).
pub(crate) fn raw_lock_in(text: &str, pieces: usize) -> Result<RawLock, toml::de::Error> {
    let cuts = cuts(text, pieces);
    if cuts.len() < 2 {
        return toml::from_str(text);
    }
    let ranges: Vec<(usize, usize)> = cuts
        .iter()
        .zip(cuts.iter().skip(1).chain([&text.len()]))
        .map(|(&start, &end)| (start, end))
        .collect();
    // The first range is the text before the first `[[package]]` (short):
    // this thread reads it and the last piece, the others one piece each.
    let parse = |&(start, end): &(usize, usize)| toml::from_str::<Piece>(&text[start..end]);
    let last = ranges.len() - 1;
    // A piece whose thread cannot be started (a process limit, no memory
    // for its stack) is read here, after the others.
    let parsed: Vec<Result<Piece, toml::de::Error>> = std::thread::scope(|scope| {
        let handles: Vec<_> = ranges[1..last]
            .iter()
            .map(|range| {
                std::thread::Builder::new()
                    .spawn_scoped(scope, move || parse(range))
                    .map_err(|_| range)
            })
            .collect();
        let (first, last) = (parse(&ranges[0]), parse(&ranges[last]));
        std::iter::once(first)
            .chain(handles.into_iter().map(|handle| {
                match handle {
                    Ok(h) => h
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                    Err(range) => parse(range),
                }
            }))
            .chain([last])
            .collect()
    });
    let Ok(parsed) = parsed.into_iter().collect::<Result<Vec<Piece>, _>>() else {
        return toml::from_str(text);
    };
    join(parsed, &cuts).map_or_else(|| toml::from_str(text), Ok)
}

/// Where the pieces start: 0, then up to `pieces` `[[package]]` lines, the
/// first of the text and the first at or after each of `pieces - 1` even
/// steps. Just `[0]` when the text is not to be cut.
fn cuts(text: &str, pieces: usize) -> Vec<usize> {
    use memchr::memmem;
    let header = memmem::Finder::new(b"\n[[package]]");
    let bytes = text.as_bytes();
    if pieces < 2
        || memmem::find(bytes, b"\"\"\"").is_some()
        || memmem::find(bytes, b"'''").is_some()
    {
        return vec![0];
    }
    // The start of the first `[[package]]` line at or after `from`.
    let header_at = |from: usize| {
        let mut at = from.saturating_sub(1);
        while let Some(found) = header.find(bytes.get(at..)?) {
            let line = at + found + 1;
            let after = line + header.needle().len() - 1;
            if matches!(bytes.get(after), Some(b'\n' | b'\r')) {
                return Some(line);
            }
            at = line;
        }
        None
    };
    let mut cuts = vec![0];
    let Some(first) = header_at(0) else {
        return cuts;
    };
    cuts.push(first);
    for step in 1..pieces {
        let Some(line) = header_at(text.len() * step / pieces) else {
            break;
        };
        if line > *cuts.last().unwrap_or(&0) {
            cuts.push(line);
        }
    }
    cuts
}

/// The pieces, starting at `starts`, joined into the whole text's
/// [`RawLock`], or `None` when the pieces may not mean what the whole text
/// means (see the module doc).
fn join(pieces: Vec<Piece>, starts: &[usize]) -> Option<RawLock> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for (i, piece) in pieces.iter().enumerate() {
        for key in &piece.keys {
            // `package` is an array of tables in every piece but the first,
            // which must not define it; any other key is defined once.
            let defined_once = if key == "package" {
                i > 0
            } else {
                seen.insert(key)
            };
            if !defined_once {
                return None;
            }
        }
    }
    let mut package = Vec::new();
    let mut metadata = None;
    for (piece, &offset) in pieces.into_iter().zip(starts) {
        package.extend(piece.package.into_iter().map(|p| p.shifted(offset)));
        if let Some(m) = piece.metadata {
            metadata = Some(m.shifted(offset));
        }
    }
    Some(RawLock { package, metadata })
}

/// One piece: [`RawLock`]'s fields, and the top-level keys it defines.
struct Piece {
    package: Vec<RawPackage>,
    metadata: Option<RawMetadata>,
    keys: Vec<String>,
}

impl<'de> Deserialize<'de> for Piece {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(PieceVisitor)
    }
}

struct PieceVisitor;

impl<'de> Visitor<'de> for PieceVisitor {
    type Value = Piece;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a poetry.lock table")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Piece, A::Error> {
        let mut piece = Piece {
            package: Vec::new(),
            metadata: None,
            keys: Vec::new(),
        };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "package" => piece.package = map.next_value()?,
                "metadata" => piece.metadata = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            piece.keys.push(key);
        }
        Ok(piece)
    }
}

fn shift<T>(value: Spanned<T>, by: usize) -> Spanned<T> {
    let span = value.span();
    Spanned::new(span.start + by..span.end + by, value.into_inner())
}

fn shift_keys<V>(
    map: BTreeMap<Spanned<String>, V>,
    by: usize,
    f: impl Fn(V) -> V,
) -> BTreeMap<Spanned<String>, V> {
    map.into_iter().map(|(k, v)| (shift(k, by), f(v))).collect()
}

impl RawFile {
    fn shifted(self, by: usize) -> Self {
        RawFile {
            file: shift(self.file, by),
            hash: self.hash,
        }
    }
}

impl RawPackage {
    /// Every span moved `by` bytes on.
    fn shifted(self, by: usize) -> Self {
        if by == 0 {
            return self;
        }
        RawPackage {
            name: shift(self.name, by),
            version: shift(self.version, by),
            python_versions: self.python_versions.map(|v| shift(v, by)),
            files: self
                .files
                .map(|files| files.into_iter().map(|f| f.shifted(by)).collect()),
            dependencies: shift_keys(self.dependencies, by, |d| d),
            extras: shift_keys(self.extras, by, |items| {
                items.into_iter().map(|i| shift(i, by)).collect()
            }),
            ..self
        }
    }
}

impl RawMetadata {
    /// Every span moved `by` bytes on.
    fn shifted(self, by: usize) -> Self {
        if by == 0 {
            return self;
        }
        RawMetadata {
            lock_version: self.lock_version,
            python_versions: self.python_versions.map(|v| shift(v, by)),
            files: self
                .files
                .into_iter()
                .map(|(name, files)| (name, files.into_iter().map(|f| f.shifted(by)).collect()))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACKAGE: &str = "[[package]]\nname = \"a{i}\"\nversion = \"1.0\"\npython-versions = \">=3.8\"\nfiles = [\n    {file = \"a{i}-1.0.tar.gz\", hash = \"sha256:00\"},\n]\n\n[package.dependencies]\nsix = \">=1\"\n\n[package.extras]\nx = [\"six (>=1)\"]\n\n";

    fn lock(n: usize, tail: &str) -> String {
        let mut text = String::from("# generated\n\n");
        for i in 0..n {
            text.push_str(&PACKAGE.replace("{i}", &i.to_string()));
        }
        text.push_str(tail);
        text
    }

    /// Everything a piece yields, spans included.
    fn seen(raw: &RawLock) -> String {
        let mut out = String::new();
        for p in &raw.package {
            out += &format!("{:?} {:?} {:?}", p.name, p.version, p.python_versions);
            for f in p.files.iter().flatten() {
                out += &format!(" {:?}", f.file);
            }
            for k in p.dependencies.keys() {
                out += &format!(" {k:?}");
            }
            for (k, v) in &p.extras {
                out += &format!(" {k:?}={v:?}");
            }
            out.push('\n');
        }
        if let Some(m) = &raw.metadata {
            out += &format!("{:?} {:?}", m.lock_version, m.python_versions);
            for (name, files) in &m.files {
                out += &format!(
                    " {name}:{:?}",
                    files.iter().map(|f| &f.file).collect::<Vec<_>>()
                );
            }
        }
        out
    }

    const METADATA: &str =
        "[metadata]\nlock-version = \"2.1\"\npython-versions = \">=3.9\"\ncontent-hash = \"0\"\n";

    #[test]
    fn pieces_mean_the_whole_text() {
        for text in [lock(40, METADATA), lock(40, "").replace('\n', "\r\n"), lock(1, METADATA), lock(40, &format!("{METADATA}\n[metadata.files]\na0 = [{{file = \"a0-1.0.zip\", hash = \"sha256:11\"}}]\n"))] {
            let whole: RawLock = toml::from_str(&text).unwrap();
            for pieces in [2, 3, 4, 40] {
                assert!(cuts(&text, pieces).len() > 1 || text.matches("[[package]]").count() < 2);
                let cut = raw_lock_in(&text, pieces).unwrap();
                assert_eq!(seen(&cut), seen(&whole), "{pieces} pieces");
            }
        }
    }

    /// Every poetry.lock of the corpus, in 2 and 4 pieces, reads as it does whole.
    #[test]
    fn corpus_locks_read_alike() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus");
        let mut locks = 0;
        let mut dirs = vec![corpus.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                if path.file_name().is_none_or(|n| n != "poetry.lock") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let whole: RawLock = toml::from_str(&text).unwrap();
                for pieces in [2, 4] {
                    let cut = raw_lock_in(&text, pieces).unwrap();
                    assert_eq!(
                        seen(&cut),
                        seen(&whole),
                        "{} in {pieces} pieces",
                        path.display()
                    );
                }
                locks += 1;
            }
        }
        assert!(
            locks >= 10,
            "{locks} poetry.lock files in {}",
            corpus.display()
        );
    }

    #[test]
    fn cuts_only_at_header_lines() {
        let text = lock(10, METADATA);
        let cuts = cuts(&text, 4);
        assert_eq!(cuts.len(), 5, "{cuts:?}");
        assert_eq!(cuts[0], 0);
        for &c in &cuts[1..] {
            assert!(text[c..].starts_with("[[package]]\n"), "{c}");
        }
        // A multi-line string could hold a `[[package]]` line: no cuts.
        let text = lock(10, "[metadata]\nnote = '''\n[[package]]\n'''\n");
        assert_eq!(super::cuts(&text, 4), vec![0]);
        // Not a header line: `[[package]]x`, `[[packages]]`.
        assert_eq!(
            super::cuts("a = 1\n[[package]]x\n[[packages]]\n", 4),
            vec![0]
        );
    }

    /// Text that is not TOML as a whole is not read as pieces: the error
    /// is the whole text's, with its line.
    #[test]
    fn invalid_whole_text_fails_as_whole() {
        let duplicate_table =
            lock(10, "[tool]\na = 1\n").replacen("[[package]]", "[tool]\nb = 2\n\n[[package]]", 1);
        let duplicate_metadata = format!("{METADATA}\n{}{METADATA}", lock(10, ""));
        let static_array = format!("package = []\n{}", lock(10, ""));
        let unclosed = lock(10, "").replacen("files = [\n", "files = [\n\n[[package]]\n", 3);
        for text in [duplicate_table, duplicate_metadata, static_array, unclosed] {
            let whole = toml::from_str::<RawLock>(&text)
                .err()
                .map(|e| e.to_string());
            assert!(whole.is_some(), "not an error as a whole:\n{text}");
            for pieces in [2, 4] {
                let cut = raw_lock_in(&text, pieces).err().map(|e| e.to_string());
                assert_eq!(cut, whole);
            }
        }
    }
}
