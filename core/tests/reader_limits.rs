//! The reader's bounds: include cycles and depth, file count, runaway definitions, huge or
//! self-generating generators, long definitions and the diagnostic cap. keepalived has none of
//! these limits (it loops, recurses or exhausts memory); holdfast stops with a diagnostic.
//! Also: random input never panics and always yields a well-formed tree.

mod reader_common;
use holdfast_core::config::diag::Class;
use holdfast_core::config::reader::{read, ReaderOptions};
use holdfast_core::config::source::MemoryLoader;
use holdfast_core::config::syntax::Statement;
use reader_common::*;

fn opts(f: impl FnOnce(&mut ReaderOptions)) -> ReaderOptions {
    let mut o = ReaderOptions::default();
    f(&mut o);
    o
}

#[test]
fn self_include_is_skipped() {
    let o = read_main("include keepalived.conf\nrouter_id r\n");
    assert_eq!(tree(&o), "keepalived.conf:2 router_id r\n");
    assert_eq!(
        diags(&o),
        ["CannotRun: /etc/keepalived/keepalived.conf:1: '/etc/keepalived/keepalived.conf' includes itself (directly or through other files); this include is skipped, keepalived would read it until it runs out of file descriptors"]
    );
    assert_eq!(exit_code(&o), 4);
}

#[test]
fn include_cycle_through_other_files_is_skipped() {
    let o = read_files(
        &[
            (MAIN, "include a.conf\n"),
            ("/etc/keepalived/a.conf", "a\ninclude b.conf\n"),
            ("/etc/keepalived/b.conf", "b\ninclude a.conf\n"),
        ],
        &ReaderOptions::default(),
    );
    assert_eq!(tree(&o), "a.conf:1 a\nb.conf:1 b\n");
    assert_eq!(
        diags(&o),
        ["CannotRun: /etc/keepalived/b.conf:2: '/etc/keepalived/a.conf' includes itself (directly or through other files); this include is skipped, keepalived would read it until it runs out of file descriptors"]
    );
}

#[test]
fn include_depth_is_bounded() {
    let names: Vec<String> = (0..10)
        .map(|i| format!("/etc/keepalived/f{i}.conf"))
        .collect();
    let texts: Vec<String> = (0..10)
        .map(|i| format!("level{i}\ninclude f{}.conf\n", i + 1))
        .collect();
    let mut files: Vec<(&str, &str)> = vec![(MAIN, "include f0.conf\n")];
    for (n, t) in names.iter().zip(&texts) {
        files.push((n, t));
    }
    let o = read_files(&files, &opts(|o| o.max_include_depth = 4));
    assert_eq!(o.statements.len(), 3, "{}", tree(&o));
    assert_eq!(
        diags(&o),
        ["CannotRun: /etc/keepalived/f2.conf:2: include of 'f3.conf' is nested 5 levels deep, more than holdfast allows (4); flatten the includes"]
    );
}

#[test]
fn file_count_is_bounded() {
    let o = read_files(
        &[
            (MAIN, "include a.conf\ninclude a.conf\ninclude a.conf\n"),
            ("/etc/keepalived/a.conf", "a\n"),
        ],
        &opts(|o| o.max_files = 3),
    );
    assert_eq!(o.statements.len(), 2);
    assert_eq!(
        diags(&o),
        ["CannotRun: /etc/keepalived/keepalived.conf:3: '/etc/keepalived/a.conf' would be file number 4 to be read, more than holdfast allows (3); it is skipped"]
    );
}

#[test]
fn self_referring_definitions_do_not_loop() {
    let o = read_main("$A=$A\n$B=x $C\n$C=$B\nw $A\nv $B\nafter\n");
    assert_eq!(
        o.statements.last().map(|s| s.words.join(" ")),
        Some("after".into())
    );
    let d = diags(&o);
    assert_eq!(
        d[0],
        "CannotRun: /etc/keepalived/keepalived.conf:4: expanding '$A' did not finish after 1024 substitutions: a definition refers to itself (keepalived would loop forever); break the cycle"
    );
    // $B grows by two bytes per round, so it stops at the line length, as in keepalived.
    assert!(
        d[1].starts_with("Warning: /etc/keepalived/keepalived.conf:5: expanding '$"),
        "{d:?}"
    );
    assert_eq!(d.len(), 2);
}

#[test]
fn total_substitutions_are_bounded() {
    let o = read_files(
        &[(MAIN, "$X=x\na $X $X $X\nb $X $X $X\nc\n")],
        &opts(|o| o.max_expansion_steps = 4),
    );
    assert_eq!(
        diags(&o),
        ["CannotRun: /etc/keepalived/keepalived.conf:3: more than 4 definition substitutions in all; holdfast stops reading here"]
    );
    assert_eq!(o.statements.len(), 1);
}

#[test]
fn huge_sequence_is_refused() {
    let o = read_main("~SEQ(i, 1000000) x $i\nafter\n");
    assert_eq!(tree(&o), "keepalived.conf:2 after\n");
    assert_eq!(
        diags(&o),
        ["CannotRun: /etc/keepalived/keepalived.conf:1: '~SEQ(i, 1000000) x $i' would generate 1000000 lines, more than the 100000 holdfast still allows (at most 100000 in all); it is skipped"]
    );
}

#[test]
fn self_generating_definition_stops_at_nesting_limit() {
    let o = read_main("$G=~SEQ(i, 1, 2) $G\n$G\nafter\n");
    assert_eq!(
        diags(&o),
        ["CannotRun: /etc/keepalived/keepalived.conf:2: generators and multi-line definitions are nested more than 1024 deep at '~SEQ(i, 1, 2) $G'; a definition probably generates itself"]
    );
    assert!(o.statements.is_empty());
}

#[test]
fn self_repeating_multiline_definition_stops_at_generated_line_limit() {
    let o = read_files(
        &[(MAIN, "$M=a \\\n$M\nuse $M\nafter\n")],
        &opts(|o| o.max_generated_lines = 500),
    );
    assert_eq!(
        diags(&o),
        ["CannotRun: /etc/keepalived/keepalived.conf:3: generators and multi-line definitions started here produced more than 500 lines; holdfast stops reading (a definition may generate itself)"]
    );
    // The first line comes from the file, the 500 others from the definition.
    assert_eq!(o.statements.len(), 501);
    assert_eq!(o.statements[0].words, ["use", "a"]);
}

#[test]
fn long_definitions_are_cut() {
    let body: String = (0..20).map(|i| format!("line{i} \\\n")).collect();
    let o = read_files(
        &[(MAIN, &format!("$M=start \\\n{body}end\nuse $M\n"))],
        &opts(|o| o.max_definition_len = 40),
    );
    assert_eq!(
        diags(&o)[0],
        "CannotRun: /etc/keepalived/keepalived.conf:7: definition '$M' grows beyond 40 bytes; the rest is dropped"
    );
    // What fitted is still used.
    assert_eq!(o.statements[0].words, ["use", "start"]);
}

#[test]
fn diagnostics_are_capped_but_keep_every_class() {
    let text = "}\n".repeat(10) + "include keepalived.conf\n";
    let o = read_files(&[(MAIN, &text)], &opts(|o| o.max_diagnostics = 5));
    assert_eq!(o.diagnostics.len(), 7);
    assert_eq!(
        &diags(&o)[5..],
        [
            "Error: 5 more problems of class Error were found and not listed; fix the ones above and check again",
            "CannotRun: 1 more problems of class CannotRun were found and not listed; fix the ones above and check again",
        ]
    );
    assert_eq!(exit_code(&o), 5);
}

/// xorshift64: deterministic test input without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn check_tree(list: &[Statement], files: usize) {
    for s in list {
        assert!(!s.words.is_empty());
        assert!(usize::from(s.location.file.0) < files);
        assert!(s.location.line >= 1);
        if let Some(b) = &s.block {
            check_tree(b, files);
        }
    }
}

fn read_two(main: &str, inc: &str) {
    let mut loader = MemoryLoader::new();
    loader.insert(MAIN, main);
    loader.insert("/etc/keepalived/inc.conf", inc);
    let o = read(
        MAIN,
        &mut loader,
        &opts(|o| {
            o.max_generated_lines = 2000;
            o.max_expansion_steps = 20_000;
        }),
    );
    check_tree(&o.statements, o.sources.files().len());
    for d in &o.diagnostics {
        assert!(!d.message.is_empty());
        if d.class == Class::Warning {
            continue;
        }
        let _ = d.display(&o.sources).to_string();
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3000 {
        let len = rng.below(300);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        read_two(&text, &text);
    }
}

#[test]
fn random_keepalived_tokens_never_panic() {
    const TOKENS: &[&str] = &[
        "{",
        "}",
        "\"",
        " ",
        " ",
        "\n",
        "\n",
        "\\",
        "#",
        "!",
        "$A",
        "${A}",
        "$A=",
        "$B=",
        "${B}",
        "$A=$B",
        "$B=$A",
        "x",
        "vrrp_instance",
        "include inc.conf",
        "include *.conf",
        "include {inc,x}.conf",
        "includea nope",
        "~SEQ(i,",
        "~SEQ(i, 3)",
        "~SEQx(i,1,2,9)",
        "~LST(",
        "~LST({a,b},{1,2})",
        "$i",
        ")",
        ",",
        "@",
        "@h ",
        "@^h ",
        "${_RANDOM 1 9}",
        "${_PWD}",
        "${_HASH}",
        "\0",
        "\r",
        "\t",
        "0x10",
        "-",
        "\u{e9}",
    ];
    let mut rng = Rng(42);
    for _ in 0..3000 {
        let mut main = String::new();
        for _ in 0..rng.below(60) {
            main.push_str(TOKENS[rng.below(TOKENS.len())]);
        }
        let mut inc = String::new();
        for _ in 0..rng.below(30) {
            inc.push_str(TOKENS[rng.below(TOKENS.len())]);
        }
        read_two(&main, &inc);
    }
}
