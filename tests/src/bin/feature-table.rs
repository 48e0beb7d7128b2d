//! `feature-table`: prints the README's keyword table from the keyword catalogue.
fn main() {
    print!("{}", holdfast_core::config::keywords::markdown_table());
}
