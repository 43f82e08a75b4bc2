//! Seeded mutation fuzzing of the lock readers and the hub render, in
//! stable Rust (cargo-fuzz needs nightly).
//!
//! Seeds are the lock fixtures of the repository (and, on demand, a corpus
//! directory of real `poetry.lock`/`pyproject.toml`). Each input is a seed
//! mutated 1 to 8 times (1 half of the time), at the byte level (flip, insert, delete, duplicate
//! ranges, control characters, huge strings) and with the TOML structure in
//! mind (delete, duplicate or swap tokens and lines, replace string values
//! with hostile ones or splice values and lines from other seeds). Each
//! input runs through the reader and, when it is accepted, the hub render,
//! under `catch_unwind`; a panic, or an input that takes longer than the
//! per-input limit, is a finding, saved under the output directory. A
//! watchdog ends the process when an input runs far past the limit (a hang),
//! after saving it; `last-input` holds the input being run, for aborts
//! (stack overflow) that no handler sees.
//!
//! The `wheel` target (module `wheel`) mutates real wheels instead, at the
//! zip and the content level, and checks what `install`, `fragment` and
//! `zip` promise besides "no panic": see docs/fuzzing.md.
//!
//! The same seed, target and seeds give the same inputs.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod wheel;
pub use wheel::{memory_bound, MAX_ARCHIVE};

/// The heap, counted: the growth of its high-water mark during an input is
/// that input's peak memory (checked against [`memory_bound`] for `wheel`).
#[global_allocator]
static HEAP: peak_alloc::PeakAlloc = peak_alloc::PeakAlloc;

/// What is fuzzed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Mutated poetry.lock text (with its seed's pyproject.toml, if any).
    PoetryLock,
    /// Mutated pyproject.toml text (with its seed's poetry.lock).
    Pyproject,
    /// Mutated pyproject.toml text read as `ofiuco sdist-info` reads an
    /// sdist's (`[build-system]`, `[project]`, Cargo manifests), and as PKG-INFO.
    BuildSystem,
    /// Mutated uv.lock text.
    UvLock,
    /// Mutated pylock.toml (PEP 751) text.
    Pylock,
    /// Mutated wheels (zip structure and content) through `install`, the
    /// installed tree through `fragment`, and the archives through `zip`.
    Wheel,
}

impl std::str::FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "poetry-lock" | "lock" => Ok(Target::PoetryLock),
            "pyproject" => Ok(Target::Pyproject),
            "build-system" => Ok(Target::BuildSystem),
            "uv-lock" => Ok(Target::UvLock),
            "pylock" => Ok(Target::Pylock),
            "wheel" => Ok(Target::Wheel),
            other => Err(format!(
                "unknown target `{other}` (expected poetry-lock, pyproject, uv-lock, pylock, build-system or wheel)"
            )),
        }
    }
}

/// A fuzzing run.
#[derive(Clone, Debug)]
pub struct Config {
    pub target: Target,
    pub seed: u64,
    /// Stop after this long...
    pub duration: Duration,
    /// ...or after this many inputs, whichever comes first.
    pub max_inputs: Option<u64>,
    /// An input that takes longer is a finding (a "slow" input).
    pub input_limit: Duration,
    /// Directories searched (recursively) for `poetry.lock` and
    /// `pyproject.toml` seeds, besides the repository's fixtures.
    pub corpus: Vec<PathBuf>,
    /// Where findings and `last-input` are written.
    pub out_dir: PathBuf,
}

/// A panic or a slow input.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The panic message and location, or the time taken.
    pub what: String,
    /// How many inputs gave this panic (same first line of the message).
    pub count: u64,
    /// Where the (first) input was saved.
    pub saved: PathBuf,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Report {
    pub seeds: usize,
    pub inputs: u64,
    /// Read (and rendered) without error.
    pub accepted: u64,
    /// Refused with an error.
    pub refused: u64,
    pub panics: Vec<Finding>,
    pub slow: Vec<Finding>,
    /// Broken promises of the `wheel` target: output outside the output
    /// directory, partial output after a refusal, an archive that does not
    /// read back, raw control characters in a message, memory past
    /// [`memory_bound`].
    pub violations: Vec<Finding>,
    /// The largest growth of the heap's high-water mark during one input.
    pub peak_memory: usize,
    /// `wheel`: inputs whose archive `zip` assembled, read as a fragment.
    pub zipped: u64,
    /// The longest time one input took.
    pub slowest: Duration,
    /// Why the run stopped early, if it did.
    pub stopped: Option<String>,
    pub elapsed: Duration,
}

/// One seed: a lock and the pyproject beside it.
#[derive(Clone, Debug)]
struct Seed {
    lock: String,
    pyproject: Option<String>,
}

/// The repository's lock fixtures.
fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../lock/tests/fixtures")
}

fn load_seeds(corpus: &[PathBuf], target: Target) -> Vec<Seed> {
    match target {
        Target::PoetryLock | Target::Pyproject | Target::BuildSystem => load_poetry_seeds(corpus),
        Target::UvLock => load_single_file_seeds(corpus, &|n| n == "uv.lock"),
        Target::Pylock => load_single_file_seeds(corpus, &|n| {
            n == "pylock.toml" || (n.starts_with("pylock.") && n.ends_with(".toml"))
        }),
        Target::Wheel => Vec::new(),
    }
}

/// The fixtures, then the files of `corpus`, whose name `matches`: uv.lock
/// and pylock.toml are read alone.
fn load_single_file_seeds(corpus: &[PathBuf], matches: &dyn Fn(&str) -> bool) -> Vec<Seed> {
    let mut seeds = Vec::new();
    let add_dir = |dir: &Path, seeds: &mut Vec<Seed>| {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|entries| entries.filter_map(|e| Some(e.ok()?.path())).collect())
            .unwrap_or_default();
        paths.sort();
        for path in paths {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if path.is_file() && matches(name) {
                if let Ok(lock) = std::fs::read_to_string(&path) {
                    seeds.push(Seed {
                        lock,
                        pyproject: None,
                    });
                }
            }
        }
    };
    add_dir(&fixture_dir(), &mut seeds);
    for root in corpus {
        let mut dirs = vec![root.clone()];
        find_all_dirs(root, &mut dirs);
        for d in dirs {
            add_dir(&d, &mut seeds);
        }
    }
    seeds
}

fn find_all_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    paths.sort();
    for p in paths.into_iter().filter(|p| p.is_dir()) {
        out.push(p.clone());
        find_all_dirs(&p, out);
    }
}

fn load_poetry_seeds(corpus: &[PathBuf]) -> Vec<Seed> {
    let dir = fixture_dir();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.starts_with("poetry"))
                .filter_map(|n| n.strip_suffix(".lock").map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut seeds: Vec<Seed> = names
        .iter()
        .filter_map(|name| {
            Some(Seed {
                lock: std::fs::read_to_string(dir.join(format!("{name}.lock"))).ok()?,
                pyproject: std::fs::read_to_string(dir.join(format!("{name}.pyproject.toml"))).ok(),
            })
        })
        .collect();
    for root in corpus {
        let mut dirs = Vec::new();
        find_dirs(root, &mut dirs);
        for d in dirs {
            let lock = std::fs::read_to_string(d.join("poetry.lock")).ok();
            let pyproject = std::fs::read_to_string(d.join("pyproject.toml")).ok();
            match (lock, pyproject) {
                (Some(lock), pyproject) => seeds.push(Seed { lock, pyproject }),
                // A pyproject without a poetry.lock: paired with the first fixture.
                (None, Some(pyproject)) if !seeds.is_empty() => seeds.push(Seed {
                    lock: seeds[0].lock.clone(),
                    pyproject: Some(pyproject),
                }),
                _ => {}
            }
        }
    }
    seeds
}

fn find_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    paths.sort();
    if paths.iter().any(|p| {
        p.file_name()
            .is_some_and(|n| n == "poetry.lock" || n == "pyproject.toml")
    }) {
        out.push(dir.to_path_buf());
    }
    for p in paths {
        if p.is_dir() {
            find_dirs(&p, out);
        }
    }
}

/// splitmix64: small, seeded, the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Text that has broken parsers: hostile names, versions, markers,
/// requirements, file names, numbers and characters.
const HOSTILE: &[&str] = &[
    "",
    " ",
    "..",
    "a b",
    "b.. (>=1)",
    "b../c",
    "a[x.]",
    "a[x, y_ ] (>=1)",
    "a[",
    "a @ file:///etc/passwd",
    "a @ https://example.com/a-1.0-py3-none-any.whl",
    "a @ ${HOME}/x",
    "a @ ../x",
    "a ; extra == 'x.'",
    "a-1.0-1\"])\ngenrule(name = \"x\")\n#-py3-none-any.whl",
    "a-1.0-py3-none-any.whl/../../x",
    "../x.tar.gz",
    "x-1.0.tar.gz",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999",
    "^18446744073709551615",
    "~18446744073709551615.18446744073709551615",
    ">=3.18446744073709551615",
    "python_version > '3.18446744073709551615'",
    "python_full_version == '3.18446744073709551615.*'",
    "python_version ~= '3'",
    "python_version ~= '3.0'",
    "python_version == '3.*'",
    "python_version <= '3.7.8'",
    "python_version in '2.7 3.2'",
    "platform_release >= '1.0' and 'x' in sys_platform",
    "extra == \"x\" or extra != \"y\"",
    "not a marker",
    "((((((((((((((((((((((((((((((((((((((((python_version > '3'))))))))))))))))))))))))))))))))))))))))",
    "*",
    "^0.0",
    "~0",
    "!=2.0.*",
    ">=1 || <0.5",
    ">= ",
    "||",
    ",",
    "1.0+cu118",
    "1!2.0.post1.dev3",
    "v1.0",
    "1.0\n",
    "\u{1b}[2J",
    "\u{202e}",
    "\0",
    "\r\n",
    "include-group",
    "sha256:",
    "md5:00",
];

const CONTROL: &[&str] = &[
    "\0", "\u{1b}", "\n", "\r", "\t", "\u{7f}", "\u{202e}", "\u{feff}", "\\", "\"", "'",
];

const TOKENS: &[&str] = &[
    "\"",
    "'",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    ",",
    ".",
    "(",
    ")",
    ";",
    "#",
    "\n",
    "[[package]]\n",
    "[package.dependencies]\n",
    "[package.extras]\n",
    "[metadata]\n",
    "[metadata.files]\n",
    "[dependency-groups]\n",
    "[project]\n",
    "[tool.poetry.dependencies]\n",
    "{include-group = \"dev\"}",
    "optional = true",
    "markers = ",
    "python = ",
    "platform = ",
    "extras = [",
    "version = ",
    "\"\"\"",
    "'''",
    "true",
    "1979-05-27T07:32:00Z",
    "inf",
    "nan",
    "0x10",
];

/// A mutable view of the seeds: their string values and lines, to splice.
struct Pool {
    strings: Vec<String>,
    lines: Vec<String>,
}

impl Pool {
    fn new(seeds: &[Seed]) -> Self {
        let mut strings = Vec::new();
        let mut lines = Vec::new();
        for seed in seeds {
            for text in std::iter::once(&seed.lock).chain(seed.pyproject.as_ref()) {
                strings.extend(string_values(text).into_iter().map(str::to_string));
                lines.extend(text.lines().map(str::to_string));
            }
        }
        strings.sort();
        strings.dedup();
        lines.sort();
        lines.dedup();
        Pool { strings, lines }
    }
}

/// The contents of `"..."` string values (no escapes) in TOML text.
fn string_values(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut rest = line;
        while let Some(start) = rest.find('"') {
            let after = &rest[start + 1..];
            let Some(end) = after.find('"') else { break };
            out.push(&after[..end]);
            rest = &after[end + 1..];
        }
    }
    out
}

/// Byte ranges of tokens: strings, words, single punctuation, line breaks.
fn tokens(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let b = bytes[i];
        if b == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                i += 1;
            }
            i = (i + 1).min(bytes.len());
        } else if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'-' | b'.'))
            {
                i += 1;
            }
        } else if b == b' ' {
            i += 1;
            continue;
        } else {
            i += 1;
            while i < bytes.len() && !bytes[i].is_ascii() {
                i += 1;
            }
        }
        out.push((start, i));
    }
    out
}

/// Nearest char boundary at or below `i`.
fn floor(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Applies one random mutation.
fn mutate(text: &mut String, rng: &mut Rng, pool: &Pool) {
    let len = text.len();
    let at = floor(text, if len == 0 { 0 } else { rng.below(len + 1) });
    match rng.below(17) {
        // Byte level.
        0 => {
            // Replace one byte with another (kept valid UTF-8 by using ASCII).
            if at < len && text.is_char_boundary(at + 1) {
                let b = (rng.below(95) as u8 + 32) as char;
                text.replace_range(at..=at, &b.to_string());
            }
        }
        1 => {
            let end = floor(text, at + rng.below(64));
            text.replace_range(at..end, "");
        }
        2 => {
            let end = floor(text, at + rng.below(256));
            let copy = text[at..end].to_string();
            let to = floor(text, rng.below(len + 1));
            text.insert_str(to, &copy);
        }
        3 => {
            let c = *rng.pick(CONTROL);
            text.insert_str(at, c);
        }
        4 => {
            // A huge value (rarely: parsing it costs time).
            if rng.chance(8) {
                let unit = rng.pick(&["a", "1", "é", "(", "[", "{a=", "\\\\", "-", " or a", "."]);
                let n = 1 << (8 + rng.below(9));
                text.insert_str(at, &unit.repeat(n));
            }
        }
        5 => {
            let t = *rng.pick(TOKENS);
            text.insert_str(at, t);
        }
        // Token level.
        6 | 7 => {
            let toks = tokens(text);
            if toks.is_empty() {
                return;
            }
            let (s, e) = *rng.pick(&toks);
            match rng.below(3) {
                0 => text.replace_range(s..e, ""),
                1 => {
                    let copy = text[s..e].to_string();
                    text.insert_str(e, &copy);
                }
                _ => {
                    let (s2, e2) = *rng.pick(&toks);
                    if e <= s2 {
                        let (a, b) = (text[s..e].to_string(), text[s2..e2].to_string());
                        text.replace_range(s2..e2, &a);
                        text.replace_range(s..e, &b);
                    }
                }
            }
        }
        // Replace a string value with a hostile one or one from another seed.
        8..=10 => {
            // Mostly string values; sometimes bare keys (names of
            // dependencies, extras, groups), which become quoted keys.
            let keys = rng.chance(3);
            let toks: Vec<(usize, usize)> = tokens(text)
                .into_iter()
                .filter(|&(s, e)| {
                    let first = text.as_bytes()[s];
                    if keys {
                        first.is_ascii_alphanumeric()
                    } else {
                        e - s >= 2 && first == b'"'
                    }
                })
                .collect();
            if toks.is_empty() {
                return;
            }
            let (s, e) = *rng.pick(&toks);
            let value = if rng.chance(2) || pool.strings.is_empty() {
                rng.pick(HOSTILE).to_string()
            } else {
                rng.pick(&pool.strings).clone()
            };
            text.replace_range(s..e, &toml_string(&value));
        }
        // Replace a string value with a generated one of its kind (by the
        // key before it: a marker after `markers =`, a requirement in a
        // list, ...).
        14..=16 => {
            let toks: Vec<(usize, usize)> = tokens(text)
                .into_iter()
                .filter(|&(s, e)| e - s >= 2 && text.as_bytes()[s] == b'"')
                .collect();
            if toks.is_empty() {
                return;
            }
            let (s, e) = *rng.pick(&toks);
            let line_start = text[..s].rfind('\n').map_or(0, |i| i + 1);
            let kind = Kind::of(&text[line_start..s]);
            let value = generate(kind, rng);
            text.replace_range(s..e, &toml_string(&value));
        }
        // Line level.
        11 => {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            if lines.is_empty() {
                return;
            }
            let i = rng.below(lines.len());
            let mut out: Vec<String> = lines.iter().map(std::string::ToString::to_string).collect();
            match rng.below(3) {
                0 => {
                    out.remove(i);
                }
                1 => out.insert(i, out[i].clone()),
                _ => {
                    let j = rng.below(out.len());
                    out.swap(i, j);
                }
            }
            *text = out.concat();
        }
        12 => {
            // Splice a line from another seed.
            if !pool.lines.is_empty() {
                let line = rng.pick(&pool.lines).clone() + "\n";
                let lines: Vec<&str> = text.split_inclusive('\n').collect();
                let i = rng.below(lines.len() + 1);
                let mut out: Vec<&str> = lines;
                out.insert(i, &line);
                *text = out.concat();
            }
        }
        _ => {
            // Splice a block (several lines) of another seed's text.
            if !pool.lines.is_empty() {
                let start = rng.below(pool.lines.len());
                let n = 1 + rng.below(12);
                let mut block = String::new();
                for line in &pool.lines[start..(start + n).min(pool.lines.len())] {
                    block.push_str(line);
                    block.push('\n');
                }
                text.insert_str(floor(text, at), &block);
            }
        }
    }
}

/// What a string value is, told by the key before it on its line.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Marker,
    Constraint,
    Version,
    File,
    Name,
    Requirement,
}

impl Kind {
    fn of(before: &str) -> Kind {
        let key = before
            .rsplit(['{', ',', '\n'])
            .next()
            .unwrap_or_default()
            .trim_start();
        if key.starts_with("markers") || key.starts_with("main") || key.starts_with("dev") {
            Kind::Marker
        } else if key.starts_with("python") || key.starts_with("platform") {
            Kind::Constraint
        } else if key.starts_with("version") {
            Kind::Version
        } else if key.starts_with("file") {
            Kind::File
        } else if key.starts_with("name") || key.starts_with("include-group") {
            Kind::Name
        } else {
            // In a list (`dependencies = [...]`, extras) or a constraint value.
            Kind::Requirement
        }
    }
}

const NAMES: &[&str] = &[
    "a",
    "six",
    "Typing_Extensions",
    "zope.interface",
    "b..",
    "a b",
    "",
    "-a",
    "a-",
    "..",
    "a/b",
    "\u{1b}[2J",
];
const VERSIONS: &[&str] = &[
    "1.0",
    "2.0.1+cu118",
    "1!2.0",
    "1.0.post1.dev2",
    "0",
    "1.0\n",
    " 1.0",
    "1.0.x",
    "v1",
    "18446744073709551615",
    "1.18446744073709551615",
];
const VARIABLES: &[&str] = &[
    "python_version",
    "python_full_version",
    "sys_platform",
    "platform_machine",
    "os_name",
    "implementation_name",
    "platform_release",
    "extra",
    "'3.8'",
    "\"x\"",
];
const OPERATORS: &[&str] = &[
    "==", "!=", "<", "<=", ">", ">=", "~=", "===", "in", "not in", ">>>", "",
];
const VALUES: &[&str] = &[
    "'3.8'",
    "'3'",
    "'3.*'",
    "'3.18446744073709551615'",
    "'18446744073709551615'",
    "'linux'",
    "'x'",
    "\"cpython\"",
    "'3.7.8'",
    "'0'",
    "''",
    "'3.0.*'",
    "python_version",
];

/// A random marker expression: nested, chained, with odd numbers.
fn marker(rng: &mut Rng, depth: usize) -> String {
    if depth > 3 || rng.chance(3) {
        return format!(
            "{} {} {}",
            rng.pick(VARIABLES),
            rng.pick(OPERATORS),
            rng.pick(VALUES)
        );
    }
    match rng.below(4) {
        0 => format!("({})", marker(rng, depth + 1)),
        1 => format!("{} and {}", marker(rng, depth + 1), marker(rng, depth + 1)),
        2 => format!("{} or {}", marker(rng, depth + 1), marker(rng, depth + 1)),
        _ => format!("not {}", marker(rng, depth + 1)),
    }
}

/// A generated hostile (or plain) value of a kind.
fn generate(kind: Kind, rng: &mut Rng) -> String {
    // Sometimes very deep or very long, whatever the kind.
    if rng.chance(20) {
        let n = 1 << (3 + rng.below(15));
        return match rng.below(4) {
            0 => format!("{}python_version > '3'{}", "(".repeat(n), ")".repeat(n)),
            1 => vec!["os_name == 'a'"; n].join(" or "),
            2 => format!("a{}", ".".repeat(n)),
            _ => vec![">=1"; n].join(" || "),
        };
    }
    match kind {
        Kind::Marker => marker(rng, 0),
        Kind::Constraint => {
            let ops = ["", "^", "~", ">=", "<", "==", "!=", "~="];
            let parts: Vec<String> = (0..=rng.below(3))
                .map(|_| format!("{}{}", rng.pick(&ops), rng.pick(VERSIONS)))
                .collect();
            parts.join(if rng.chance(2) { "," } else { " || " })
        }
        Kind::Version => rng.pick(VERSIONS).to_string(),
        Kind::File => {
            let parts = [*rng.pick(NAMES), *rng.pick(VERSIONS), "py3", "none", "any"];
            let mut name = parts.join("-");
            if rng.chance(3) {
                name.insert_str(
                    rng.below(name.len() + 1),
                    rng.pick::<&str>(&["\"", "(", ";", "]", "\n", "/", "-"]),
                );
            }
            name + *rng.pick(&[".whl", ".tar.gz", ".zip", ".egg", ".exe", ""])
        }
        Kind::Name => rng.pick(NAMES).to_string(),
        Kind::Requirement => {
            let mut r = rng.pick(NAMES).to_string();
            if rng.chance(3) {
                r.push_str(&format!(
                    "[{}]",
                    rng.pick(&["x", "x.", "x, y_ ", "", "a b"])
                ));
            }
            if rng.chance(2) {
                r.push_str(&format!(
                    " ({}{})",
                    rng.pick(&[">=", "==", "~=", "^", ""]),
                    rng.pick(VERSIONS)
                ));
            }
            if rng.chance(2) {
                r.push_str(" ; ");
                r.push_str(&marker(rng, 0));
            }
            if rng.chance(10) {
                r.push_str(rng.pick::<&str>(&[" @ ${HOME}/x", " @ file:///x", "/c", " @ ../x"]));
            }
            r
        }
    }
}

/// A TOML basic string of `value`.
fn toml_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// What one input did.
enum Outcome {
    Accepted,
    Refused,
}

/// Reads (and on success renders) one input.
fn run_one(target: Target, lock: &str, pyproject: Option<&str>) -> Outcome {
    if target == Target::BuildSystem {
        let text = pyproject.unwrap_or_default();
        let _ = ofiuco_build::sdist::parse_pkg_info(text.as_bytes());
        return match ofiuco_build::sdist::parse_pyproject(text) {
            Ok(_) => Outcome::Accepted,
            Err(message) => {
                let _ = message.len();
                Outcome::Refused
            }
        };
    }
    let lock_path = Path::new("fuzz/poetry.lock");
    let pyproject_path = Path::new("fuzz/pyproject.toml");
    let parsed = match target {
        // BuildSystem inputs were read above.
        Target::PoetryLock | Target::Pyproject | Target::BuildSystem => {
            ofiuco_lock::parse_poetry_lock(lock, lock_path, pyproject.map(|p| (p, pyproject_path)))
        }
        Target::UvLock => ofiuco_lock::parse_uv_lock(lock, Path::new("fuzz/uv.lock")),
        Target::Pylock => ofiuco_lock::parse_pylock(lock, Path::new("fuzz/pylock.toml")),
        // Wheels are run by `wheel::run_one`; reading them as a lock refuses.
        Target::Wheel => return Outcome::Refused,
    };
    match parsed {
        Ok(lock) => {
            let opts = ofiuco_hub::HubOptions {
                hub_name: "poetry".to_string(),
                ..Default::default()
            };
            match ofiuco_hub::render(&lock, &opts) {
                Ok(_) => Outcome::Accepted,
                Err(_) => Outcome::Refused,
            }
        }
        Err(err) => {
            // Messages are part of the surface: render them too.
            let _ = err.to_string();
            Outcome::Refused
        }
    }
}

thread_local! {
    /// The message of the last panic of an input run on this thread.
    static PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    /// Whether this thread is running an input.
    static IN_INPUT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Panics of inputs are findings: their messages are recorded instead of
/// printed. Other panics (a failing test) go to the hook there was.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_INPUT.with(std::cell::Cell::get) {
                let message = info.to_string();
                PANIC.with(|p| *p.borrow_mut() = Some(message));
            } else {
                previous(info);
            }
        }));
    });
}

/// One input.
enum Job {
    Text {
        lock: String,
        pyproject: Option<String>,
        /// The mutated text (the lock's or the pyproject's).
        input: String,
    },
    Wheel {
        filename: String,
        bytes: Vec<u8>,
    },
}

impl Job {
    fn bytes(&self) -> &[u8] {
        match self {
            Job::Text { input, .. } => input.as_bytes(),
            Job::Wheel { bytes, .. } => bytes,
        }
    }

    /// Saves the input as `{stem}.input` (text) or as `{stem}/{wheel file
    /// name}` (a wheel, replayable with `ofiuco install`).
    fn save(&self, out_dir: &Path, stem: &str) -> PathBuf {
        match self {
            Job::Text { input, .. } => {
                let path = out_dir.join(format!("{stem}.input"));
                let _ = std::fs::write(&path, input);
                path
            }
            Job::Wheel { filename, bytes } => {
                let dir = out_dir.join(stem);
                let _ = std::fs::create_dir_all(&dir);
                let path = dir.join(filename);
                let _ = std::fs::write(&path, bytes);
                path
            }
        }
    }
}

/// The seeds of a run.
enum Seeds {
    Text {
        seeds: Vec<Seed>,
        /// The first `fixtures` seeds are the repository's small fixtures.
        fixtures: usize,
        pool: Pool,
    },
    Wheel {
        seeds: Vec<wheel::WheelSeed>,
        pool: Pool,
    },
}

impl Seeds {
    fn load(config: &Config) -> Self {
        if config.target == Target::Wheel {
            let seeds = wheel::load_seeds(&config.corpus);
            assert!(
                !seeds.is_empty(),
                "no wheel seeds in tools/fuzz/seeds/wheels"
            );
            let pool = wheel::pool(&seeds);
            return Seeds::Wheel { seeds, pool };
        }
        let fixtures = load_seeds(&[], config.target).len();
        let seeds = load_seeds(&config.corpus, config.target);
        assert!(fixtures > 0, "no seeds in {}", fixture_dir().display());
        let pool = Pool::new(&seeds);
        Seeds::Text {
            seeds,
            fixtures,
            pool,
        }
    }

    fn len(&self) -> usize {
        match self {
            Seeds::Text { seeds, .. } => seeds.len(),
            Seeds::Wheel { seeds, .. } => seeds.len(),
        }
    }

    fn next(&self, target: Target, rng: &mut Rng) -> Job {
        match self {
            Seeds::Wheel { seeds, pool } => {
                let (filename, bytes) = wheel::generate(rng.pick(seeds), rng, pool);
                Job::Wheel { filename, bytes }
            }
            Seeds::Text {
                seeds,
                fixtures,
                pool,
            } => {
                // Half of the inputs come from the small fixtures (fast), half from any seed.
                let seed = if rng.chance(2) {
                    seeds[rng.below(*fixtures)].clone()
                } else {
                    rng.pick(seeds).clone()
                };
                let (mut lock, mut pyproject) = (seed.lock, seed.pyproject);
                let text = match target {
                    Target::Pyproject | Target::BuildSystem => {
                        pyproject.get_or_insert_with(String::new)
                    }
                    _ => &mut lock,
                };
                // 1 mutation half of the time, 2 a quarter, ... up to 8.
                let mutations = 1 + rng.next_u64().trailing_zeros().min(7);
                for _ in 0..mutations {
                    mutate(text, rng, pool);
                }
                let input = text.clone();
                Job::Text {
                    lock,
                    pyproject,
                    input,
                }
            }
        }
    }
}

/// Runs one input: its outcome, or a broken promise.
fn run_job(target: Target, job: &Job, zipped: &mut u64) -> Result<Outcome, String> {
    match job {
        Job::Text {
            lock, pyproject, ..
        } => Ok(run_one(target, lock, pyproject.as_deref())),
        Job::Wheel { filename, bytes } => {
            let base = HEAP.current_usage();
            let checked = wheel::run_one(filename, bytes)?;
            let peak = HEAP.peak_usage().saturating_sub(base);
            let bound = memory_bound(bytes.len(), checked.tree_bytes);
            if peak > bound {
                return Err(format!(
                    "memory: the heap grew by {} MiB, more than {} MiB for an archive of {} bytes and a tree of {} bytes",
                    peak >> 20,
                    bound >> 20,
                    bytes.len(),
                    checked.tree_bytes
                ));
            }
            *zipped += u64::from(checked.zipped);
            Ok(if checked.accepted {
                Outcome::Accepted
            } else {
                Outcome::Refused
            })
        }
    }
}

/// Adds a finding to `list`, grouped by `signature`; the first input of a
/// group is saved as `{prefix}-N`.
fn record(
    list: &mut Vec<Finding>,
    what: String,
    signature: &str,
    job: &Job,
    out_dir: &Path,
    prefix: &str,
) {
    if let Some(finding) = list.iter_mut().find(|f| signature_of(&f.what) == signature) {
        finding.count += 1;
    } else {
        let saved = job.save(out_dir, &format!("{prefix}-{}", list.len() + 1));
        list.push(Finding {
            what,
            count: 1,
            saved,
        });
    }
}

/// What groups findings: the first line, and for broken promises (whose
/// messages hold names and paths) its first three words.
fn signature_of(what: &str) -> String {
    let line = what.lines().next().unwrap_or_default();
    if line.starts_with("panicked") {
        line.to_string()
    } else {
        line.split(' ').take(3).collect::<Vec<_>>().join(" ")
    }
}

/// Runs the fuzzer.
pub fn run(config: &Config) -> Report {
    let seeds = Seeds::load(config);
    std::fs::create_dir_all(&config.out_dir).expect("create the output directory");
    let out_dir = config.out_dir.clone();

    install_panic_hook();

    // The watchdog: an input far past the limit is a hang.
    let current: Arc<Mutex<Vec<u8>>> = Arc::new(Mutex::new(Vec::new()));
    let started_ms = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let epoch = Instant::now();
    let watchdog = {
        let (current, started_ms, done) = (current.clone(), started_ms.clone(), done.clone());
        let hang = config.input_limit * 10;
        let out_dir = out_dir.clone();
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                let start = started_ms.load(Ordering::Relaxed);
                let now = epoch.elapsed().as_millis() as u64;
                if start != 0 && now.saturating_sub(start) > hang.as_millis() as u64 {
                    let input = current.lock().map(|c| c.clone()).unwrap_or_default();
                    let path = out_dir.join("hang.input");
                    let _ = std::fs::write(&path, input);
                    eprintln!(
                        "ofiuco-fuzz: an input has run for more than {hang:?}: saved as {} (a wheel's file name: last-input.filename)",
                        path.display()
                    );
                    std::process::exit(2);
                }
            }
        })
    };

    let mut rng = Rng::new(config.seed);
    let mut report = Report {
        seeds: seeds.len(),
        ..Report::default()
    };
    let start = Instant::now();
    let last_input = out_dir.join("last-input");
    while start.elapsed() < config.duration
        && config.max_inputs.is_none_or(|max| report.inputs < max)
    {
        let job = seeds.next(config.target, &mut rng);
        // Kept for aborts that no handler sees (a stack overflow).
        let _ = std::fs::write(&last_input, job.bytes());
        if let Job::Wheel { filename, .. } = &job {
            let _ = std::fs::write(out_dir.join("last-input.filename"), filename);
        }
        if let Ok(mut c) = current.lock() {
            c.clear();
            c.extend_from_slice(job.bytes());
        }
        HEAP.reset_peak_usage();
        let base = HEAP.current_usage();
        let t = Instant::now();
        started_ms.store(epoch.elapsed().as_millis().max(1) as u64, Ordering::Relaxed);
        IN_INPUT.with(|i| i.set(true));
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            run_job(config.target, &job, &mut report.zipped)
        }));
        IN_INPUT.with(|i| i.set(false));
        started_ms.store(0, Ordering::Relaxed);
        let took = t.elapsed();
        report.peak_memory = report
            .peak_memory
            .max(HEAP.peak_usage().saturating_sub(base));
        report.inputs += 1;
        report.slowest = report.slowest.max(took);
        match outcome {
            Ok(Ok(Outcome::Accepted)) => report.accepted += 1,
            Ok(Ok(Outcome::Refused)) => report.refused += 1,
            Ok(Err(broken)) => {
                let signature = signature_of(&broken);
                record(
                    &mut report.violations,
                    broken,
                    &signature,
                    &job,
                    &out_dir,
                    "violation",
                );
            }
            Err(payload) => {
                // The hook's message (with the location) when the panic was
                // on this thread; the payload when it came from a thread of
                // the hub render.
                let what = PANIC.with(|p| p.borrow_mut().take()).unwrap_or_else(|| {
                    payload
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| {
                            payload
                                .downcast_ref::<&str>()
                                .map(std::string::ToString::to_string)
                        })
                        .unwrap_or_else(|| "a panic".to_string())
                });
                let signature = what.lines().next().unwrap_or_default().to_string();
                let poisoned = what.contains("PoisonError");
                if let Some(finding) = report
                    .panics
                    .iter_mut()
                    .find(|f| f.what.lines().next() == Some(signature.as_str()))
                {
                    finding.count += 1;
                } else {
                    let saved = job.save(&out_dir, &format!("panic-{}", report.panics.len() + 1));
                    report.panics.push(Finding {
                        what,
                        count: 1,
                        saved,
                    });
                }
                if poisoned {
                    // pep508_rs keeps its markers in a global interner behind
                    // a mutex: a panic while it holds the lock poisons it, and
                    // every later marker panics. Nothing after is meaningful.
                    report.stopped = Some(
                        "a lock was poisoned by an earlier panic (pep508_rs's marker interner): later inputs would all panic".to_string(),
                    );
                    break;
                }
            }
        }
        if took > config.input_limit {
            if report.slow.len() < 20 {
                let saved = job.save(&out_dir, &format!("slow-{}", report.slow.len() + 1));
                report.slow.push(Finding {
                    what: format!("took {took:?}"),
                    count: 1,
                    saved,
                });
            } else if let Some(last) = report.slow.last_mut() {
                last.count += 1;
            }
        }
    }
    report.elapsed = start.elapsed();
    done.store(true, Ordering::Relaxed);
    let _ = watchdog.join();
    report
}

impl std::fmt::Display for Report {
    #[allow(clippy::cast_precision_loss, reason = "one decimal of MiB is shown")]
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} inputs from {} seeds in {:.1?}: {} accepted, {} refused, {} panics, {} violations, {} slow (slowest {:.1?}, peak memory {:.1} MiB)",
            self.inputs,
            self.seeds,
            self.elapsed,
            self.accepted,
            self.refused,
            self.panics.iter().map(|p| p.count).sum::<u64>(),
            self.violations.iter().map(|p| p.count).sum::<u64>(),
            self.slow.iter().map(|p| p.count).sum::<u64>(),
            self.slowest,
            self.peak_memory as f64 / f64::from(1 << 20)
        )?;
        for finding in self.panics.iter().chain(&self.violations).chain(&self.slow) {
            writeln!(
                f,
                "  {} input(s): {} (first saved as {})",
                finding.count,
                ofiuco_spec::text::shown(&finding.what),
                finding.saved.display()
            )?;
        }
        if self.zipped > 0 {
            writeln!(
                f,
                "  {} archives assembled by `zip` as fragments",
                self.zipped
            )?;
        }
        if let Some(why) = &self.stopped {
            writeln!(f, "  stopped early: {why}")?;
        }
        Ok(())
    }
}
