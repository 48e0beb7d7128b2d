//! Golden tests for `~SEQ` and `~LST` generators, as keepalived 2.2.7 repeats lines.

mod reader_common;
use holdfast_core::config::reader::ReaderOptions;
use reader_common::*;

#[test]
fn seq_repeats_the_rest_of_the_line_with_braces() {
    let o = read_main(
        "virtual_server 192.0.2.100 80 {\n\
         \x20 ~SEQ(i, 1, 3) real_server 192.0.2.$i 80 { weight $i }\n\
         }\n",
    );
    assert_eq!(
        tree(&o),
        "keepalived.conf:1 virtual_server 192.0.2.100 80 {\n\
         \x20 keepalived.conf:2 real_server 192.0.2.1 80 {\n\
         \x20   keepalived.conf:2 weight 1\n\
         \x20 }\n\
         \x20 keepalived.conf:2 real_server 192.0.2.2 80 {\n\
         \x20   keepalived.conf:2 weight 2\n\
         \x20 }\n\
         \x20 keepalived.conf:2 real_server 192.0.2.3 80 {\n\
         \x20   keepalived.conf:2 weight 3\n\
         \x20 }\n\
         }\n"
    );
    assert!(o.diagnostics.is_empty(), "{:?}", diags(&o));
}

#[test]
fn seq_forms_and_hex() {
    let o = read_main(
        "$N=3\n\
         ~SEQ(i, $N) a $i\n\
         ~SEQ(i, 5, 4) b $i\n\
         ~SEQ(i, 0, 5, 10) c $i\n\
         ~SEQ(i, -2) d $i\n\
         ~SEQx(i, 9, 11) e 2001:db8::${i}\n",
    );
    let got: Vec<String> = o.statements.iter().map(|s| s.words.join(" ")).collect();
    assert_eq!(
        got,
        [
            "a 1",
            "a 2",
            "a 3",
            "b 5",
            "b 4",
            "c 0",
            "c 5",
            "c 10",
            "d -1",
            "d -2",
            "e 2001:db8::9",
            "e 2001:db8::a",
            "e 2001:db8::b"
        ]
    );
    assert!(o.diagnostics.is_empty(), "{:?}", diags(&o));
}

#[test]
fn nested_generators_and_the_variable_after_them() {
    let o = read_main("~SEQ(i, 1, 2) ~LST(j, x, y) pair $i $j\nlast $i $j\n");
    let got: Vec<String> = o.statements.iter().map(|s| s.words.join(" ")).collect();
    // Generator variables are ordinary definitions and keep their last value.
    assert_eq!(
        got,
        ["pair 1 x", "pair 1 y", "pair 2 x", "pair 2 y", "last 2 y"]
    );
}

#[test]
fn lst_with_one_and_several_variables() {
    let o = read_main(
        "~LST(vip, 192.0.2.1, 192.0.2.2) virtual_ipaddress { $vip }\n\
         ~LST({ip, w}, {192.0.2.1, 10}, {192.0.2.2}) real_server $ip 80 weight=$w\n",
    );
    let got: Vec<String> = o
        .statements
        .iter()
        .map(|s| {
            let inner: Vec<String> = s
                .block
                .iter()
                .flatten()
                .map(|c| c.words.join(" "))
                .collect();
            format!("{} [{}]", s.words.join(" "), inner.join("; "))
        })
        .collect();
    assert_eq!(
        got,
        [
            "virtual_ipaddress [192.0.2.1]",
            "virtual_ipaddress [192.0.2.2]",
            "real_server 192.0.2.1 80 weight=10 []",
            "real_server 192.0.2.2 80 weight= []",
        ]
    );
}

#[test]
fn multiline_definition_repeated_by_a_generator() {
    let o = read_main(
        "$RS=real_server 192.0.2.$i 80 { \\\n\
         \x20 weight $i \\\n\
         }\n\
         ~SEQ(i, 1, 2) $RS\n",
    );
    assert_eq!(
        tree(&o),
        "keepalived.conf:4 real_server 192.0.2.1 80 {\n\
         \x20 keepalived.conf:4 weight 1\n\
         }\n\
         keepalived.conf:4 real_server 192.0.2.2 80 {\n\
         \x20 keepalived.conf:4 weight 2\n\
         }\n"
    );
}

#[test]
fn generator_from_a_definition() {
    let o = read_main("$G=~SEQ(k, 1, 2) g $k\n$G\n");
    let got: Vec<String> = o.statements.iter().map(|s| s.words.join(" ")).collect();
    assert_eq!(got, ["g 1", "g 2"]);
}

#[test]
fn other_tilde_lines_are_left_alone() {
    let o = read_main("$X=1\n~FOO $X\n");
    assert_eq!(tree(&o), "keepalived.conf:2 ~FOO $X\n");
}

#[test]
fn includes_made_by_a_generator_open_in_reverse_order() {
    // keepalived reads generated lines before the files they include, so the includes stack
    // up and the last one is read first. `f$i.conf` would not expand ('.' follows the name).
    let o = read_files(
        &[
            (MAIN, "~SEQ(i, 1, 3) include f${i}.conf\nend\n"),
            ("/etc/keepalived/f1.conf", "one\n"),
            ("/etc/keepalived/f2.conf", "two\n"),
            ("/etc/keepalived/f3.conf", "three\n"),
        ],
        &ReaderOptions::default(),
    );
    assert_eq!(
        tree(&o),
        "f3.conf:1 three\nf2.conf:1 two\nf1.conf:1 one\nkeepalived.conf:2 end\n"
    );
}

#[test]
fn invalid_generators_are_errors_naming_the_line() {
    let o = read_main(
        "~SEQ(i, 1, -1, 5) a\n\
         ~SEQ(i, one) b\n\
         ~SEQ i, 3) c\n\
         ~SEQx(i, -3, 3) d\n\
         ~LST(i, a b) e\n\
         ~LST({a, b}, {1, 2, 3}) f\n\
         after\n",
    );
    assert_eq!(tree(&o), "keepalived.conf:7 after\n");
    assert_eq!(
        diags(&o),
        [
            "Error: /etc/keepalived/keepalived.conf:1: '~SEQ(i, 1, -1, 5) a': step -1 never gets from 1 to 5; use a non-zero step with the sign of END - START",
            "Error: /etc/keepalived/keepalived.conf:2: '~SEQ(i, one) b' is not a valid ~SEQ: the first number is not followed by ',' or ')'; numbers are decimal, 0x hex or 0 octal integers: write ~SEQ(VAR, [START,] [STEP,] END) followed by the text to repeat",
            "Error: /etc/keepalived/keepalived.conf:3: '~SEQ i, 3) c' has no '(' after ~SEQ: write ~SEQ(VAR, [START,] [STEP,] END) followed by the text to repeat",
            "Error: /etc/keepalived/keepalived.conf:4: '~SEQx(i, -3, 3) d': ~SEQx prints hexadecimal and needs START and END of 0 or more, not -3 and 3",
            "Error: /etc/keepalived/keepalived.conf:5: '~LST(i, a b) e' is not a valid ~LST: write ~LST(VAR, V1, V2, ...) or ~LST({VAR1, VAR2}, {V1, V2}, ...) followed by the text to repeat",
            "Error: /etc/keepalived/keepalived.conf:6: '~LST({a, b}, {1, 2, 3}) f': a value set has more values than the 2 variable(s): write ~LST(VAR, V1, V2, ...) or ~LST({VAR1, VAR2}, {V1, V2}, ...) followed by the text to repeat",
        ]
    );
    assert_eq!(exit_code(&o), 5);
}
