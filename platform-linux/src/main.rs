//! The `holdfast` daemon binary.
fn main() {
    std::process::exit(2);
}
