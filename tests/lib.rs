//! Shared helpers for svcsim's cross-crate tests. The tests themselves are
//! the `[[test]]` targets in this folder.

use std::path::PathBuf;

/// Path of a file under `tests/data/`.
pub fn data_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(rel)
}

/// `UPDATE_EXPECT=1` regenerates golden files instead of comparing.
pub fn update_expect() -> bool {
    std::env::var_os("UPDATE_EXPECT").is_some()
}

/// Compare `actual` with the golden file at `tests/data/<rel>`, or rewrite
/// the file when `UPDATE_EXPECT=1`.
pub fn check_golden(rel: &str, actual: &str) {
    let path = data_path(rel);
    if update_expect() {
        std::fs::create_dir_all(path.parent().expect("golden path has a parent")).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_EXPECT=1 to create)",
            path.display()
        )
    });
    if expected != actual {
        panic!(
            "golden mismatch for {}\n--- expected\n{expected}\n--- actual\n{actual}\n(run with UPDATE_EXPECT=1 after reviewing)",
            path.display()
        );
    }
}
