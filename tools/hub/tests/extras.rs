//! Project extras whose dependency is locked at several versions: the extra's
//! target depends on the version its own edge resolves to, never on the
//! package's top-level target (which may be `_not_needed` where the extra
//! applies, as `fastembed` is in tests/corpus/dlt-hub__dlt).

use std::path::Path;

use ofiuco_hub::{render, HubOptions};
use ofiuco_lock::parse_poetry_lock;

/// `q` 1.0 and 2.0 each pin their own `f` in extra `fe`; nothing outside the
/// extras needs `f`, so its top-level target is `_not_needed`.
const LOCK: &str = r#"[[package]]
name = "q"
version = "1.0"
description = ""
optional = true
python-versions = ">=3.10"
files = [{file = "q-1.0-py3-none-any.whl", hash = "sha256:0000000000000000000000000000000000000000000000000000000000000001"}]

[package.dependencies]
f = {version = "1.0", optional = true, markers = "python_version < \"3.13\" and extra == \"fe\""}

[package.extras]
fe = ["f (==1.0)"]

[[package]]
name = "q"
version = "2.0"
description = ""
optional = true
python-versions = ">=3.10"
files = [{file = "q-2.0-py3-none-any.whl", hash = "sha256:0000000000000000000000000000000000000000000000000000000000000002"}]

[package.dependencies]
f = {version = "2.0", optional = true, markers = "python_version < \"3.13\" and extra == \"fe\""}

[package.extras]
fe = ["f (==2.0)"]

[[package]]
name = "f"
version = "1.0"
description = ""
optional = true
python-versions = ">=3.10"
files = [{file = "f-1.0-py3-none-any.whl", hash = "sha256:0000000000000000000000000000000000000000000000000000000000000003"}]

[[package]]
name = "f"
version = "2.0"
description = ""
optional = true
python-versions = ">=3.10"
files = [{file = "f-2.0-py3-none-any.whl", hash = "sha256:0000000000000000000000000000000000000000000000000000000000000004"}]

[extras]
vec = ["q"]

[metadata]
lock-version = "2.0"
python-versions = ">=3.10"
content-hash = "0"
"#;

/// The block of the target `name` in BUILD text.
fn block<'a>(build: &'a str, name: &str) -> &'a str {
    let start = build
        .find(&format!("    name = \"{name}\",\n"))
        .unwrap_or_else(|| panic!("no target {name} in:\n{build}"));
    let end = build[start..]
        .find("\n)\n")
        .map_or(build.len(), |e| start + e);
    &build[start..end]
}

#[test]
fn extra_depends_on_the_version_its_edge_resolves_to() {
    let lock = parse_poetry_lock(LOCK, Path::new("poetry.lock"), None).unwrap();
    let opts = HubOptions {
        hub_name: "poetry".to_string(),
        ..Default::default()
    };
    let build = render(&lock, &opts).unwrap().build;
    assert!(
        block(&build, "f").contains("actual = \":_not_needed\""),
        "{build}"
    );
    assert_eq!(
        block(&build, "q").trim(),
        "name = \"q\",\n    actual = \":q__2.0\","
    );
    let extra = block(&build, "q[fe]");
    assert!(extra.contains("\":f__2.0\": list(range("), "{extra}");
    assert!(
        !extra.contains("\":f\""),
        "the extra names the top-level target: {extra}"
    );
    assert!(
        !extra.contains("f__1.0"),
        "the extra names q 1.0's f: {extra}"
    );
}
