//! The crate map of `src/lib.rs` kept true: which top-level module may use which, and no cycle
//! among the modules or among the files of one module. Read from the source text (a `use` or a
//! `crate::…` path outside a test module), so it fails the moment a handler reaches past its
//! layer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// For each module, the modules it must never use (see the `//!` of `src/lib.rs`).
const FORBIDDEN: &[(&str, &[&str])] = &[
    ("api", &["web", "db", "cli", "seed"]),
    ("web", &["api", "db", "cli", "seed"]),
    ("services", &["api", "web", "cli", "seed", "reports", "ops"]),
    ("reports", &["api", "web", "cli", "seed"]),
    (
        "db",
        &["services", "api", "web", "cli", "seed", "reports", "ops"],
    ),
    (
        "domain",
        &[
            "api", "web", "cli", "seed", "services", "reports", "db", "ops", "import", "ocds",
            "config", "cookies", "error",
        ],
    ),
    (
        "error",
        &["api", "web", "cli", "seed", "services", "reports", "ops"],
    ),
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text of a file without its test module (tests may reach anywhere).
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("read source");
    match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// `src/web/package/form.rs` → ["web", "package", "form"]; `mod.rs` names its folder.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts.last().is_some_and(|l| l == "mod") {
        parts.pop();
    }
    parts
}

/// The crate paths a file names: `crate::a::b` and `use crate::{a, b::c}` → first two parts.
fn crate_paths(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let parts: Vec<String> = item
                    .trim()
                    .split("::")
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect();
                if !parts.is_empty() {
                    out.push(parts);
                }
            }
        } else {
            let path: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            out.push(
                path.split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            );
        }
    }
    out
}

fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|n| n == node) {
            let mut found = stack[i..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn modules_use_only_what_the_crate_map_allows() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let tops: BTreeSet<String> = files
        .iter()
        .filter_map(|f| module_path(&src, f).first().cloned())
        .filter(|t| t != "lib" && t != "main")
        .collect();
    let mut top_graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // Within a module, its files (`web::page`, `web::session`): the second level.
    let mut inner_graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut broken = Vec::new();
    for file in &files {
        let me = module_path(&src, file);
        let Some(top) = me.first().filter(|t| tops.contains(*t)).cloned() else {
            continue;
        };
        let text = code(file);
        let mut used: Vec<Vec<String>> = crate_paths(&text);
        // `super::x` from a file of a module's folder names a sibling.
        if me.len() >= 2 {
            let parent = &me[..me.len() - 1];
            for part in text.split("super::").skip(1) {
                let name: String = part
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    let mut path = parent.to_vec();
                    path.push(name);
                    used.push(path);
                }
            }
        }
        for path in used {
            let Some(other) = path.first().filter(|o| tops.contains(*o)) else {
                continue;
            };
            if *other != top {
                top_graph
                    .entry(top.clone())
                    .or_default()
                    .insert(other.clone());
                if FORBIDDEN
                    .iter()
                    .any(|(m, never)| *m == top && never.contains(&other.as_str()))
                {
                    broken.push(format!(
                        "{} uses crate::{}",
                        file.display(),
                        path.join("::")
                    ));
                }
            } else if me.len() >= 2 && path.len() >= 2 && path[1] != me[1] {
                inner_graph
                    .entry(format!("{top}::{}", me[1]))
                    .or_default()
                    .insert(format!("{top}::{}", path[1]));
            }
        }
    }
    assert!(broken.is_empty(), "layers crossed:\n{}", broken.join("\n"));
    assert_eq!(cycle(&top_graph), None, "a cycle among modules");
    // Files that only exist as a folder's `mod.rs` are parents, not peers: drop edges into a
    // name that is not a file of its own.
    let peers: BTreeSet<String> = files
        .iter()
        .map(|f| module_path(&src, f))
        .filter(|p| p.len() >= 2)
        .map(|p| format!("{}::{}", p[0], p[1]))
        .collect();
    for targets in inner_graph.values_mut() {
        targets.retain(|t| peers.contains(t));
    }
    assert_eq!(
        cycle(&inner_graph),
        None,
        "a cycle among the files of a module"
    );
}
