//! Golden tests for the reader's line syntax: comments, quotes, braces, long lines and brace
//! balance, compared with what keepalived 2.2.7's `read_line()` and `alloc_strvec_r()` do.

mod reader_common;
use reader_common::*;

#[test]
fn comments_start_anywhere_outside_double_quotes() {
    let o = read_main(
        "! heading\n\
         # another\n\
         router_id r1 # trailing\n\
         router_id r2 ! bang\n\
         notification_email_from \"a#b!c\" # after quotes\n\
         smtp_server x\\#y\n\
         \t  \n\
         script_user root#glued\n",
    );
    assert_eq!(
        tree(&o),
        "keepalived.conf:3 router_id r1\n\
         keepalived.conf:4 router_id r2\n\
         keepalived.conf:5 notification_email_from a#b!c\n\
         keepalived.conf:6 smtp_server x#y\n\
         keepalived.conf:8 script_user root\n"
    );
    assert!(o.diagnostics.is_empty(), "{:?}", diags(&o));
}

#[test]
fn quotes_make_one_word_but_do_not_join_segments() {
    // keepalived 2.2.7 alloc_strvec_r(): a word starting with '"' runs to the next '"'; a word
    // not starting with one ends at a '"'. So "a b"c is two words.
    let o = read_main("w \"a b\"c d\"e f\" \"\" \"{ x }\"\n");
    assert_eq!(
        tree(&o),
        "keepalived.conf:1 w \"a b\" c d \"e f\" \"\" \"{ x }\"\n"
    );
    assert!(o.diagnostics.is_empty());
}

#[test]
fn unterminated_quote_is_an_error_and_drops_the_rest_of_the_line() {
    let o = read_main("a b\nw x \"y z\nc\n");
    assert_eq!(
        tree(&o),
        "keepalived.conf:1 a b\nkeepalived.conf:2 w x\nkeepalived.conf:3 c\n"
    );
    assert_eq!(
        diags(&o),
        [
            "Error: /etc/keepalived/keepalived.conf:2: unterminated quote in 'w x \"y z': add the closing '\"'"
        ]
    );
    assert_eq!(exit_code(&o), 5);
}

#[test]
fn braces_split_lines_in_every_position() {
    let o = read_main(
        "global_defs {\n\
         router_id r1\n\
         }\n\
         vrrp_instance VI_1\n\
         {\n\
         \tstate MASTER\n\
         \tauthentication { auth_type PASS }\n\
         \tvirtual_ipaddress {\n\
         \t\t192.0.2.10/24\n\
         \t} }\n\
         vrrp_instance VI_2 { state BACKUP\n\
         } vrrp_script chk { script \"/bin/true\" }\n",
    );
    assert_eq!(
        tree(&o),
        "keepalived.conf:1 global_defs {\n\
         \x20 keepalived.conf:2 router_id r1\n\
         }\n\
         keepalived.conf:4 vrrp_instance VI_1 {\n\
         \x20 keepalived.conf:6 state MASTER\n\
         \x20 keepalived.conf:7 authentication {\n\
         \x20   keepalived.conf:7 auth_type PASS\n\
         \x20 }\n\
         \x20 keepalived.conf:8 virtual_ipaddress {\n\
         \x20   keepalived.conf:9 192.0.2.10/24\n\
         \x20 }\n\
         }\n\
         keepalived.conf:11 vrrp_instance VI_2 {\n\
         \x20 keepalived.conf:11 state BACKUP\n\
         }\n\
         keepalived.conf:12 vrrp_script chk {\n\
         \x20 keepalived.conf:12 script /bin/true\n\
         }\n"
    );
    assert!(o.diagnostics.is_empty(), "{:?}", diags(&o));
}

#[test]
fn extra_closing_brace_is_an_error_with_its_line() {
    let o = read_main("global_defs {\n}\n}\nrouter_id x\n");
    assert_eq!(
        diags(&o),
        ["Error: /etc/keepalived/keepalived.conf:3: extra '}': no block is open here; remove it or add the '{' it should close"]
    );
    assert_eq!(exit_code(&o), 5);
    assert_eq!(
        tree(&o),
        "keepalived.conf:1 global_defs {\n}\nkeepalived.conf:4 router_id x\n"
    );
}

#[test]
fn missing_closing_brace_is_reported_at_the_block_opener() {
    let o =
        read_main("vrrp_instance VI_1 {\n  state MASTER\n  virtual_ipaddress {\n   192.0.2.1\n");
    assert_eq!(
        diags(&o),
        [
            "Error: /etc/keepalived/keepalived.conf:3: 'virtual_ipaddress' opens a block that is never closed; add the missing '}'",
            "Error: /etc/keepalived/keepalived.conf:1: 'vrrp_instance VI_1' opens a block that is never closed; add the missing '}'",
        ]
    );
    // The statements read are kept in their blocks.
    assert_eq!(
        tree(&o),
        "keepalived.conf:1 vrrp_instance VI_1 {\n\
         \x20 keepalived.conf:2 state MASTER\n\
         \x20 keepalived.conf:3 virtual_ipaddress {\n\
         \x20   keepalived.conf:4 192.0.2.1\n\
         \x20 }\n\
         }\n"
    );
}

#[test]
fn brace_without_keyword_is_an_error_and_its_content_stays_in_place() {
    let o = read_main("vrrp_instance VI_1 {\n{\nstate MASTER\n}\npriority 100\n}\n");
    assert_eq!(
        diags(&o),
        ["Error: /etc/keepalived/keepalived.conf:2: unexpected '{': it does not follow a keyword, so keepalived ignores it; put it after the keyword that starts the block"]
    );
    assert_eq!(
        tree(&o),
        "keepalived.conf:1 vrrp_instance VI_1 {\n\
         \x20 keepalived.conf:3 state MASTER\n\
         \x20 keepalived.conf:5 priority 100\n\
         }\n"
    );
}

#[test]
fn long_line_is_cut_into_1023_byte_pieces_like_fgets() {
    // A 1100-byte comment: keepalived 2.2.7 drops the first 1023 bytes as a comment and
    // reads the remaining 77 bytes as configuration text.
    let comment = format!("#{}tail_keyword arg", "c".repeat(1100 - 1 - 16));
    assert_eq!(comment.len(), 1100);
    let o = read_main(&format!("a\n{comment}\nb\n"));
    assert_eq!(
        tree(&o),
        format!(
            "keepalived.conf:1 a\nkeepalived.conf:2 {}tail_keyword arg\nkeepalived.conf:3 b\n",
            "c".repeat(1100 - 1023 - 16)
        )
    );
    assert_eq!(
        diags(&o),
        ["Warning: /etc/keepalived/keepalived.conf:2: line is 1100 bytes long; keepalived 2.2.7 reads 1023 bytes at a time and takes the rest as separate lines (a comment ends at the cut); shorten it, for example with a definition"]
    );
}

#[test]
fn line_of_1023_bytes_is_read_whole() {
    let long = format!("k {}", "v".repeat(1021));
    let o = read_main(&format!("{long}\r\nnext\n"));
    assert_eq!(o.statements.len(), 2);
    assert_eq!(o.statements[0].words[1].len(), 1021);
    assert_eq!(o.statements[1].location.line, 2);
    assert!(o.diagnostics.is_empty());
}

#[test]
fn nul_byte_loses_the_rest_of_the_line() {
    let o = read_main("router_id a\0b c\nx\n");
    assert_eq!(
        tree(&o),
        "keepalived.conf:1 router_id a\nkeepalived.conf:2 x\n"
    );
    assert_eq!(
        diags(&o),
        ["Warning: /etc/keepalived/keepalived.conf:1: line contains a NUL byte; keepalived ignores the rest of the line after it (and counts lines wrongly from here); remove it"]
    );
}

#[test]
fn crlf_and_missing_final_newline() {
    let o = read_main("a 1\r\nb 2");
    assert_eq!(tree(&o), "keepalived.conf:1 a 1\nkeepalived.conf:2 b 2\n");
}

#[test]
fn trailing_backslash_outside_definitions_stays_in_the_word() {
    // decomment() keeps a final '\' and only definitions treat it as a continuation.
    let o = read_main("script x \\\nnext\n");
    assert_eq!(
        tree(&o),
        "keepalived.conf:1 script x\\\nkeepalived.conf:2 next\n"
    );
}

#[test]
fn missing_main_file_is_a_warning_unless_e() {
    // Measured: `keepalived -t -f /no/such/file` exits 0 (it runs with nothing); with -e, 4.
    let read_none = |options: &holdfast_core::config::reader::ReaderOptions| {
        let mut loader = holdfast_core::config::source::MemoryLoader::new();
        holdfast_core::config::reader::read(MAIN, &mut loader, options)
    };
    let o = read_none(&Default::default());
    assert_eq!(
        diags(&o),
        ["Warning: '/etc/keepalived/keepalived.conf' does not exist; keepalived runs with an empty configuration (with -e it is an error)"]
    );
    assert_eq!(exit_code(&o), 0);
    assert!(o.sources.files().is_empty() && o.statements.is_empty());
    let o = read_none(&holdfast_core::config::reader::ReaderOptions {
        missing_include_is_fatal: true,
        ..Default::default()
    });
    assert_eq!(
        diags(&o),
        ["CannotRun: '/etc/keepalived/keepalived.conf' does not exist"]
    );
    assert_eq!(exit_code(&o), 4);
}
