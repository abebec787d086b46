//! The source layout keeps its promise: no top-level module of `src/` imports, through any chain
//! of `crate::` paths, a module that imports it back. Read from the source text (every `crate::`
//! path in code, not in comments), so it also holds for modules the build does not see together.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module → the top-level modules its code names through `crate::`.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let root_exports = root_reexports(&src.join("lib.rs"));
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(src) {
        let relative = file.strip_prefix(src).unwrap();
        let Some(module) = top_level_module(relative) else { continue };
        let uses = graph.entry(module.clone()).or_default();
        let text = std::fs::read_to_string(&file).unwrap();
        for line in text.lines().map(str::trim_start).filter(|l| !l.starts_with("//")) {
            let code = line.split("//").next().unwrap_or_default();
            for (at, _) in code.match_indices("crate::") {
                let name: String =
                    code[at + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                let target = root_exports.get(&name).cloned().unwrap_or(name);
                if target != module && !target.is_empty() {
                    uses.insert(target);
                }
            }
        }
    }
    graph
}

/// `pub use module::{a, b}` in lib.rs: a name used as `crate::a` belongs to `module`.
fn root_reexports(lib: &Path) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for line in std::fs::read_to_string(lib).unwrap().lines() {
        let Some(path) = line.strip_prefix("pub use ").and_then(|l| l.strip_suffix(';')) else { continue };
        let (module, rest) = path.split_once("::").expect("a re-export names its module");
        let items = rest.rsplit("::").next().unwrap().trim_matches(|c| c == '{' || c == '}');
        for item in items.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            names.insert(item.to_owned(), module.to_owned());
        }
    }
    names
}

fn top_level_module(relative: &Path) -> Option<String> {
    let first = relative.components().next()?.as_os_str().to_str()?;
    match first {
        "lib.rs" | "main.rs" => None,
        name => Some(name.trim_end_matches(".rs").to_owned()),
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// A cycle through `start`, as the chain of modules, if there is one.
fn cycle_through(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![vec![start.to_owned()]];
    let mut seen = BTreeSet::new();
    while let Some(chain) = stack.pop() {
        let last = chain.last().unwrap();
        for next in graph.get(last).into_iter().flatten() {
            if next == start {
                let mut cycle = chain.clone();
                cycle.push(start.to_owned());
                return Some(cycle);
            }
            if seen.insert(next.clone()) {
                let mut longer = chain.clone();
                longer.push(next.clone());
                stack.push(longer);
            }
        }
    }
    None
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_top_level_module_imports_in_a_circle() {
    let graph = module_graph(&src());
    let cycles: Vec<String> =
        graph.keys().filter_map(|module| cycle_through(&graph, module)).map(|c| c.join(" → ")).collect();
    assert!(
        cycles.is_empty(),
        "import cycles between top-level modules:\n  {}\n\nthe graph: {graph:#?}",
        cycles.join("\n  ")
    );
}

#[test]
fn the_pure_modules_know_nothing_of_the_rest() {
    let graph = module_graph(&src());
    assert_eq!(graph["signature"], BTreeSet::new(), "signature/ is pure: it imports no other module");
    assert_eq!(graph["access"], BTreeSet::from(["signature".to_owned()]), "access/ imports only signature/");
    assert!(
        graph["zoom"].iter().all(|m| m == "signature"),
        "zoom/ (the Zoom client) imports only signature/: {graph:#?}"
    );
    let importers: Vec<&String> = graph.iter().filter(|(_, uses)| uses.contains("commands")).map(|(m, _)| m).collect();
    assert!(importers.is_empty(), "nothing but main.rs may import commands/: {importers:?}");
}

#[test]
fn the_check_finds_a_cycle_when_there_is_one() {
    let graph = BTreeMap::from([
        ("a".to_owned(), BTreeSet::from(["b".to_owned()])),
        ("b".to_owned(), BTreeSet::from(["c".to_owned()])),
        ("c".to_owned(), BTreeSet::from(["a".to_owned()])),
    ]);
    assert_eq!(cycle_through(&graph, "a").unwrap(), ["a", "b", "c", "a"]);
    let found = module_graph(&src());
    assert!(found["http"].contains("observability"), "the graph is read: {found:#?}");
}
