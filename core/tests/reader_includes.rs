//! Golden tests for `include` (and its checking variants), as keepalived 2.2.7 reads them.

mod reader_common;
use holdfast_core::config::reader::ReaderOptions;
use reader_common::*;

fn fatal() -> ReaderOptions {
    ReaderOptions {
        missing_include_is_fatal: true,
        ..ReaderOptions::default()
    }
}

#[test]
fn includes_are_relative_to_the_including_file_and_sorted() {
    let o = read_files(
        &[
            (
                MAIN,
                "global_defs {\n  include conf.d/*.conf\n}\ninclude /etc/keepalived/other.conf\n",
            ),
            ("/etc/keepalived/conf.d/b.conf", "router_id b\n"),
            (
                "/etc/keepalived/conf.d/a.conf",
                "router_id a\ninclude sub/inner.conf\n",
            ),
            ("/etc/keepalived/conf.d/sub/inner.conf", "\n\ninner 3\n"),
            ("/etc/keepalived/other.conf", "vrrp_instance X {\n}\n"),
        ],
        &ReaderOptions::default(),
    );
    assert_eq!(
        tree(&o),
        "keepalived.conf:1 global_defs {\n\
         \x20 a.conf:1 router_id a\n\
         \x20 inner.conf:3 inner 3\n\
         \x20 b.conf:1 router_id b\n\
         }\n\
         other.conf:1 vrrp_instance X {\n\
         }\n"
    );
    assert_eq!(
        o.sources.files(),
        [
            "/etc/keepalived/keepalived.conf",
            "/etc/keepalived/conf.d/a.conf",
            "/etc/keepalived/conf.d/sub/inner.conf",
            "/etc/keepalived/conf.d/b.conf",
            "/etc/keepalived/other.conf",
        ]
    );
    assert!(o.diagnostics.is_empty(), "{:?}", diags(&o));
}

#[test]
fn a_block_may_span_files() {
    let o = read_files(
        &[
            (MAIN, "vrrp_instance X {\ninclude body.conf\n"),
            ("/etc/keepalived/body.conf", "state MASTER\n}\n"),
        ],
        &ReaderOptions::default(),
    );
    assert_eq!(
        tree(&o),
        "keepalived.conf:1 vrrp_instance X {\n  body.conf:1 state MASTER\n}\n"
    );
    assert!(o.diagnostics.is_empty());
}

#[test]
fn missing_include_is_a_warning_unless_e() {
    let files = [(MAIN, "include missing.conf\nrouter_id r\n")];
    let o = read_files(&files, &ReaderOptions::default());
    assert_eq!(tree(&o), "keepalived.conf:2 router_id r\n");
    assert_eq!(
        diags(&o),
        ["Warning: /etc/keepalived/keepalived.conf:1: '/etc/keepalived/missing.conf' does not exist; check the path (relative paths start at the including file's directory); keepalived skips it (with -e it is an error)"]
    );
    assert_eq!(exit_code(&o), 0);

    let o = read_files(&files, &fatal());
    assert_eq!(
        diags(&o),
        ["MissingFileStrict: /etc/keepalived/keepalived.conf:1: '/etc/keepalived/missing.conf' does not exist; check the path (relative paths start at the including file's directory)"]
    );
    // keepalived -e exits 6 (KEEPALIVED_EXIT_NO_CONFIG), measured with 2.2.7.
    assert_eq!(exit_code(&o), 6);
}

#[test]
fn wildcard_without_match_is_silent_unless_e() {
    let files = [(MAIN, "include conf.d/*.conf\n")];
    assert!(read_files(&files, &ReaderOptions::default())
        .diagnostics
        .is_empty());
    let o = read_files(&files, &fatal());
    assert_eq!(
        diags(&o),
        ["MissingFileStrict: /etc/keepalived/keepalived.conf:1: no file matches '/etc/keepalived/conf.d/*.conf'"]
    );
}

#[test]
fn include_variants_choose_what_is_an_error() {
    let o = read_files(
        &[(
            MAIN,
            "includem nothere.conf\nincludew d/*.conf\ninclude d/*.conf\n",
        )],
        &ReaderOptions::default(),
    );
    assert_eq!(
        diags(&o),
        [
            "MissingFileStrict: /etc/keepalived/keepalived.conf:1: '/etc/keepalived/nothere.conf' does not exist; check the path (relative paths start at the including file's directory)",
            "MissingFileStrict: /etc/keepalived/keepalived.conf:2: no file matches '/etc/keepalived/d/*.conf'",
        ]
    );
    // keepalived 2.2.7: `includem nothere.conf` alone makes -t exit 6, even without -e.
    assert_eq!(exit_code(&o), 6);
}

#[test]
fn unreadable_include_is_skipped() {
    let mut loader = holdfast_core::config::source::MemoryLoader::new();
    loader.insert(MAIN, "include secret.conf\nincluder secret.conf\nafter\n");
    loader.insert_unreadable("/etc/keepalived/secret.conf", "Permission denied");
    let o = holdfast_core::config::reader::read(MAIN, &mut loader, &ReaderOptions::default());
    assert_eq!(tree(&o), "keepalived.conf:3 after\n");
    assert_eq!(
        diags(&o),
        [
            "Warning: /etc/keepalived/keepalived.conf:1: cannot read '/etc/keepalived/secret.conf': Permission denied; keepalived skips it (with -e it is an error)",
            "MissingFileStrict: /etc/keepalived/keepalived.conf:2: cannot read '/etc/keepalived/secret.conf': Permission denied",
        ]
    );
}

#[test]
fn include_pattern_is_the_rest_of_the_line_quotes_included() {
    // keepalived 2.2.7 globs the text after "include" as written: quotes stay in the name.
    let o = read_files(
        &[
            (MAIN, "include \"/etc/keepalived/x.conf\"\n"),
            ("/etc/keepalived/x.conf", "never\n"),
        ],
        &ReaderOptions::default(),
    );
    assert!(o.statements.is_empty());
    assert_eq!(
        diags(&o),
        ["Warning: /etc/keepalived/keepalived.conf:1: '/etc/keepalived/\"/etc/keepalived/x.conf\"' does not exist; check the path (relative paths start at the including file's directory); keepalived skips it (with -e it is an error)"]
    );
}

#[test]
fn brace_alternatives_are_read_in_order() {
    let o = read_files(
        &[
            (MAIN, "include {b,a,c}.conf\n"),
            ("/etc/keepalived/a.conf", "a\n"),
            ("/etc/keepalived/b.conf", "b\n"),
        ],
        &ReaderOptions::default(),
    );
    assert_eq!(tree(&o), "b.conf:1 b\na.conf:1 a\n");
    assert_eq!(
        diags(&o),
        ["Warning: /etc/keepalived/keepalived.conf:1: '{b,a,c}.conf' has alternatives that match no file: '/etc/keepalived/c.conf'; keepalived skips it (with -e it is an error)"]
    );
}

#[test]
fn problems_in_included_files_name_that_file() {
    let o = read_files(
        &[
            (MAIN, "include conf.d/x.conf\n"),
            ("/etc/keepalived/conf.d/x.conf", "a {\n}\n}\n"),
        ],
        &ReaderOptions::default(),
    );
    assert_eq!(
        diags(&o),
        ["Error: /etc/keepalived/conf.d/x.conf:3: extra '}': no block is open here; remove it or add the '{' it should close"]
    );
}

#[test]
fn relative_main_path_keeps_relative_names() {
    let o = read_files(
        &[
            ("keepalived.conf", "include sub/x.conf\n"),
            ("sub/x.conf", "x ${_PWD}\n"),
        ],
        &ReaderOptions::default(),
    );
    assert_eq!(tree(&o), "x.conf:1 x sub\n");
}
