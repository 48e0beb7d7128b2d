//! The README's keyword table must be exactly what the keyword catalogue says, so the feature
//! table an operator reads cannot drift from what `holdfast -t` does.

#[test]
fn readme_keyword_table_matches_catalogue() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    let start = readme
        .find("<!-- feature-table:start -->\n")
        .expect("start marker")
        + "<!-- feature-table:start -->\n".len();
    let end = readme
        .find("<!-- feature-table:end -->")
        .expect("end marker");
    let expected = holdfast_core::config::keywords::markdown_table();
    assert!(
        readme[start..end] == expected,
        "README feature table is stale: regenerate with `cargo run -p holdfast-tests --bin feature-table`"
    );
}
