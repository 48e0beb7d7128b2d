//! Golden tests for definitions (`$NAME=VALUE`, `$NAME`, `${NAME}`), multi-line definitions,
//! built-ins and `@ID` lines, as keepalived 2.2.7 expands them.

mod reader_common;
use holdfast_core::config::reader::ReaderOptions;
use reader_common::*;

#[test]
fn definitions_expand_recursively_and_lazily() {
    let o = read_main(
        "$VIP=${NET}.10/24\n\
         $NET=192.0.2\n\
         $IF=eth0\n\
         virtual_ipaddress {\n\
         \x20 $VIP dev $IF\n\
         }\n\
         $NET=198.51.100\n\
         virtual_ipaddress_excluded { $VIP }\n",
    );
    assert_eq!(
        tree(&o),
        "keepalived.conf:4 virtual_ipaddress {\n\
         \x20 keepalived.conf:5 192.0.2.10/24 dev eth0\n\
         }\n\
         keepalived.conf:8 virtual_ipaddress_excluded {\n\
         \x20 keepalived.conf:8 198.51.100.10/24\n\
         }\n"
    );
    assert!(o.diagnostics.is_empty(), "{:?}", diags(&o));
}

#[test]
fn plain_reference_needs_a_separator_after_the_name() {
    let o = read_main("$H=192.0.2\nip $H.1 ${H}.2 $H,x $H)\nip $UNSET ${UNSET}\n");
    assert_eq!(
        tree(&o),
        "keepalived.conf:2 ip $H.1 192.0.2.2 192.0.2,x 192.0.2)\n\
         keepalived.conf:3 ip $UNSET $ {\n\
         \x20 keepalived.conf:3 UNSET\n\
         }\n"
    );
    assert_eq!(
        diags(&o),
        [
            "Warning: /etc/keepalived/keepalived.conf:2: '$H' is followed by '.', so keepalived does not expand it; write '${H}'",
            "Warning: /etc/keepalived/keepalived.conf:3: '${UNSET}' is not defined, so keepalived keeps it as written and its braces split the line; define it with '$UNSET=VALUE' before this line",
        ]
    );
    assert_eq!(exit_code(&o), 0);
}

#[test]
fn definition_needs_name_directly_followed_by_equals() {
    // "$X =1" is not a definition; with X undefined it stays a line of its own.
    let o = read_main("$X =1\n$Y= spaced value \nuse $Y\n");
    assert_eq!(
        tree(&o),
        "keepalived.conf:1 $X =1\nkeepalived.conf:3 use spaced value\n"
    );
}

#[test]
fn multiline_definition_becomes_lines_where_used_at_line_end() {
    let o = read_main(
        "$REAL=real_server 192.0.2.1 80 { \\\n\
         \x20  weight 1   \\\n\
         # a comment line does not end the definition\n\
         }\n\
         virtual_server 192.0.2.100 80 {\n\
         \x20 $REAL\n\
         \x20 lb_algo ${REAL} x\n\
         }\n",
    );
    assert_eq!(
        tree(&o),
        "keepalived.conf:5 virtual_server 192.0.2.100 80 {\n\
         \x20 keepalived.conf:6 real_server 192.0.2.1 80 {\n\
         \x20   keepalived.conf:6 weight 1\n\
         \x20 }\n\
         \x20 keepalived.conf:7 lb_algo $ {\n\
         \x20   keepalived.conf:7 REAL\n\
         \x20 }\n\
         \x20 keepalived.conf:7 x\n\
         }\n"
    );
    assert_eq!(
        diags(&o),
        ["Warning: /etc/keepalived/keepalived.conf:7: '$REAL' is a multi-line definition, which keepalived expands only at the end of a line; it is kept as written here"]
    );
}

#[test]
fn empty_line_ends_a_multiline_definition() {
    let o = read_main("$M=a \\\nb \\\n\nc\nuse $M\n");
    assert_eq!(
        tree(&o),
        "keepalived.conf:4 c\nkeepalived.conf:5 use a\nkeepalived.conf:5 b\n"
    );
}

#[test]
fn multiline_definition_used_inside_a_line_stays_as_written() {
    let o = read_main("$M=a \\\nb\nx $M y\n");
    assert_eq!(tree(&o), "keepalived.conf:3 x $M y\n");
    assert_eq!(
        diags(&o),
        ["Warning: /etc/keepalived/keepalived.conf:3: '$M' is a multi-line definition, which keepalived expands only at the end of a line; it is kept as written here"]
    );
}

#[test]
fn conditional_lines_follow_the_config_id() {
    let opts = ReaderOptions {
        config_id: "lb1".into(),
        ..ReaderOptions::default()
    };
    let o = read_files(
        &[(
            MAIN,
            "@lb1 router_id one\n\
             @lb2 router_id two\n\
             @^lb1 router_id not_one\n\
             @^lb2 router_id not_two\n\
             \x20 @lb1   $P=100\n\
             priority $P\n\
             @lb1\n",
        )],
        &opts,
    );
    assert_eq!(
        tree(&o),
        "keepalived.conf:1 router_id one\n\
         keepalived.conf:4 router_id not_two\n\
         keepalived.conf:6 priority 100\n"
    );
    assert_eq!(
        diags(&o),
        ["Warning: /etc/keepalived/keepalived.conf:7: '@lb1' has nothing after the config id, so keepalived ignores it; write '@ID TEXT' or '@^ID TEXT'"]
    );
}

#[test]
fn conditional_made_by_a_definition_is_checked_again() {
    let opts = ReaderOptions {
        config_id: "lb1".into(),
        ..ReaderOptions::default()
    };
    let o = read_files(
        &[(MAIN, "$ON_LB2=@lb2\n$ON_LB1=@lb1\n$ON_LB2 a\n$ON_LB1 b\n")],
        &opts,
    );
    assert_eq!(tree(&o), "keepalived.conf:4 b\n");
}

#[test]
fn builtins() {
    let opts = ReaderOptions {
        instance: "lb1".into(),
        random_seed: 7,
        ..ReaderOptions::default()
    };
    let o = read_files(
        &[
            (
                MAIN,
                "include conf.d/x.conf\n\
                 main ${_PWD} $_INSTANCE\n\
                 hash \"${_HASH}\" \"${_BANG}\"\n\
                 cut a ${_HASH} b\n\
                 rnd ${_RANDOM 10 20}\n\
                 rnd ${_RANDOM}\n",
            ),
            ("/etc/keepalived/conf.d/x.conf", "included ${_PWD}\n"),
        ],
        &opts,
    );
    let t = tree(&o);
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(lines[0], "x.conf:1 included /etc/keepalived/conf.d");
    assert_eq!(lines[1], "keepalived.conf:2 main /etc/keepalived lb1");
    assert_eq!(lines[2], "keepalived.conf:3 hash # !");
    // 2.2.7 runs decomment() again after expanding: an unquoted ${_HASH} starts a comment.
    assert_eq!(lines[3], "keepalived.conf:4 cut a");
    let r1: u64 = lines[4].rsplit(' ').next().unwrap().parse().unwrap();
    assert!((10..=20).contains(&r1), "{}", lines[4]);
    let r2: u64 = lines[5].rsplit(' ').next().unwrap().parse().unwrap();
    assert!(r2 <= 32767, "{}", lines[5]);
    assert!(o.diagnostics.is_empty(), "{:?}", diags(&o));

    // The same seed gives the same numbers.
    let again = read_files(
        &[
            (MAIN, "rnd ${_RANDOM 10 20}\nrnd ${_RANDOM}\n"),
            ("/etc/keepalived/conf.d/x.conf", ""),
        ],
        &opts,
    );
    let a: Vec<String> = tree(&again).lines().map(str::to_string).collect();
    assert_eq!(a[0].rsplit(' ').next(), lines[4].rsplit(' ').next());
}

#[test]
fn hash_definition_comments_out_a_line() {
    // The use keepalived documents for ${_HASH}: switch lines off with a definition.
    let o = read_main("$TEST=${_HASH}\n$TEST test config\n$ON=\n$ON kept config\n");
    assert_eq!(tree(&o), "keepalived.conf:4 kept config\n");
}

#[test]
fn builtins_can_be_redefined() {
    let o = read_main("$_PWD=/elsewhere\nx ${_PWD}\n");
    assert_eq!(tree(&o), "keepalived.conf:2 x /elsewhere\n");
}

#[test]
fn random_with_parameters_in_mid_line_is_garbled_like_2_2_7() {
    let opts = ReaderOptions {
        random_seed: 3,
        ..ReaderOptions::default()
    };
    let o = read_files(&[(MAIN, "w ${_RANDOM 1 9} tail\n")], &opts);
    let words = &o.statements[0].words;
    // One digit, then the byte after '}' (a blank), then the original text from the
    // reference's third byte: "_RANDOM 1 9} tail", whose '}' then cuts the line.
    assert_eq!(words.len(), 5, "{words:?}");
    assert_eq!(&words[2..], ["_RANDOM", "1", "9"]);
    assert_eq!(o.statements[1].words, ["tail"]);
    assert_eq!(o.statements.len(), 2);
    assert_eq!(
        diags(&o),
        [
            "Warning: /etc/keepalived/keepalived.conf:1: keepalived 2.2.7 garbles the text after '${_RANDOM 1 9}' when it is not at the end of the line; move it to the end of the line",
            "Error: /etc/keepalived/keepalived.conf:1: extra '}': no block is open here; remove it or add the '{' it should close",
        ]
    );
}

#[test]
fn expansion_longer_than_a_line_stops_where_it_is() {
    let big = "x".repeat(600);
    let o = read_main(&format!("$B={big}\nw $B $B\n"));
    let words = &o.statements[0].words;
    assert_eq!(words.len(), 3);
    assert_eq!(words[1].len(), 600);
    assert_eq!(words[2], "$B");
    assert_eq!(
        diags(&o),
        ["Warning: /etc/keepalived/keepalived.conf:2: expanding '$B' would make the line 1024 bytes or longer; keepalived stops expanding there and keeps the rest as written; shorten the definitions"]
    );
}

#[test]
fn backslash_after_a_comment_still_continues_a_definition() {
    // Measured with keepalived 2.2.7: both unknown keywords are reported at line 3, so
    // "kwcont" became the second line of $M (2.2.7's decomment() quirk).
    let o = read_main("$M=abc # note \\\nkwcont\n$M\n");
    assert_eq!(
        tree(&o),
        "keepalived.conf:3 abc\nkeepalived.conf:3 kwcont\n"
    );
}
