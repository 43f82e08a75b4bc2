//! Work grows linearly with the input (issue 7): large inputs built here run
//! in well under a second when linear, and would hang when not. No timed
//! assertions: each test checks its result.

use std::path::Path;

use ofiuco_lock::{parse_poetry_lock, LockError};

const HASH: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

fn lock() -> String {
    format!("[[package]]\nname = \"a\"\nversion = \"1.0\"\nfiles = [{{file = \"a-1.0-py3-none-any.whl\", hash = \"sha256:{HASH}\"}}]\n\n[metadata]\nlock-version = \"2.1\"\npython-versions = \">=3.10\"\ncontent-hash = \"0\"\n")
}

fn parse(pyproject: &str) -> Result<ofiuco_lock::Lock, LockError> {
    parse_poetry_lock(
        &lock(),
        Path::new("poetry.lock"),
        Some((pyproject, Path::new("pyproject.toml"))),
    )
}

/// 1,000 chained groups (a 40 KB pyproject) took 30 s: the expansion was
/// cubic. Includes are now kept as references, checked in one pass.
#[test]
fn chained_include_groups() {
    const N: usize = 5_000;
    let mut pyproject = String::from("[dependency-groups]\n");
    for i in 0..N {
        pyproject.push_str(&format!(
            "g{i} = [\"a\", {{include-group = \"g{}\"}}]\n",
            i + 1
        ));
    }
    pyproject.push_str(&format!("g{N} = [\"a\"]\n"));
    let lock = parse(&pyproject).unwrap();
    let project = lock.project.unwrap();
    assert_eq!(project.includes.len(), N);
    assert_eq!(project.includes["g0"], ["g1"]);
    assert_eq!(project.dependencies.len(), N + 1);
    assert!(project.dependencies.values().all(|deps| deps.len() == 1));
}

/// Every group includes every earlier one: many paths, each group visited once.
#[test]
fn densely_included_groups() {
    const N: usize = 150;
    let mut pyproject = String::from("[dependency-groups]\n");
    for i in 0..N {
        let includes: Vec<String> = (0..i)
            .map(|j| format!("{{include-group = \"g{j}\"}}"))
            .collect();
        pyproject.push_str(&format!("g{i} = [\"a\", {}]\n", includes.join(", ")));
    }
    let project = parse(&pyproject).unwrap().project.unwrap();
    assert_eq!(project.includes[&format!("g{}", N - 1)].len(), N - 1);
}

#[test]
fn long_include_cycle_is_an_error_with_a_short_message() {
    const N: usize = 5_000;
    let mut pyproject = String::from("[dependency-groups]\n");
    for i in 0..N {
        pyproject.push_str(&format!(
            "g{i} = [{{include-group = \"g{}\"}}]\n",
            (i + 1) % N
        ));
    }
    let err = parse(&pyproject).unwrap_err();
    let LockError::DependencyGroupCycle { cycle, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(cycle.len(), N + 1);
    let message = err.to_string();
    assert!(message.len() < 500, "{message}");
    assert!(message.contains("(4992 more)"), "{message}");
}
