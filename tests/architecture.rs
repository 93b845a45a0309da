//! ARCHITECTURE.md stays true: every module of the core imports only the modules its row of the
//! layer table allows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layer table: module → the modules it may use.
fn allowed() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md")).unwrap();
    let section = text.split("## Layers of the core").nth(1).unwrap().split("\n## ").next().unwrap();
    let mut table = BTreeMap::new();
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let module = cells[0].trim_matches('`').to_string();
        let may_use = cells[2].split(',').map(|m| m.trim().trim_matches('`').to_string()).filter(|m| !m.is_empty() && m != "—").collect();
        table.insert(module, may_use);
    }
    table
}

fn sources(path: &Path, out: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            sources(&entry.unwrap().path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

#[test]
fn modules_import_only_what_the_layer_table_allows() {
    let table = allowed();
    assert!(table.len() >= 10, "the layer table was not found: {table:?}");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    for (module, may_use) in &table {
        let mut files = Vec::new();
        let dir = src.join(module);
        let root = if dir.is_dir() { dir } else { src.join(format!("{module}.rs")) };
        sources(&root, &mut files);
        assert!(!files.is_empty(), "module {module} has no sources");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for other in table.keys().filter(|o| *o != module) {
                let used =
                    text.contains(&format!("crate::{other}::")) || text.contains(&format!("crate::{other}}}")) || text.contains(&format!("crate::{other};"));
                if used && !may_use.contains(other) {
                    violations.push(format!("{} uses {other}", file.strip_prefix(&src).unwrap().display()));
                }
            }
        }
    }
    assert!(violations.is_empty(), "imports that ARCHITECTURE.md does not allow:\n{}", violations.join("\n"));
}
