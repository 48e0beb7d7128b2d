//! Admission on configurations read from files: what runs, what is refused and how the reason
//! reads, and what IPVS is asked for.

use super::*;
use crate::cli::{parse, Command, Options};
use crate::load::load;
use holdfast_core::ipvs::ServiceKey;

struct Conf {
    dir: std::path::PathBuf,
    options: Options,
}

impl Conf {
    fn new(name: &str, text: &str, args: &[&str]) -> Conf {
        let dir =
            std::env::temp_dir().join(format!("holdfast-admit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("keepalived.conf");
        std::fs::write(&file, text).expect("config");
        let mut all = vec!["-f", file.to_str().unwrap_or_default()];
        all.extend_from_slice(args);
        let options = match parse(all.iter().copied()) {
            Ok(Command::Run(o)) => o,
            other => panic!("{other:?}"),
        };
        Conf { dir, options }
    }

    fn admit(&self) -> Result<Admitted, Vec<String>> {
        admit(
            &load(&self.options),
            self.options.subsystems,
            &mut QuorumStates::new(),
        )
    }

    fn file(&self) -> String {
        self.dir.join("keepalived.conf").display().to_string()
    }
}

impl Drop for Conf {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const RR_WRR: &str = "\
global_defs {
  lvs_flush_on_stop
}
virtual_server 192.0.2.10 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 198.51.100.1 80 {
  }
}
virtual_server 192.0.2.11 80 {
  lb_algo wrr
  lb_kind DR
  protocol TCP
  real_server 198.51.100.2 80 {
    weight 3
  }
}
";

#[test]
fn rr_and_wrr_virtual_servers_are_admitted_with_their_modules() {
    let c = Conf::new("ok", RR_WRR, &[]);
    let a = c.admit().expect("admitted");
    let wish = a.ipvs.expect("IPVS runs");
    assert_eq!(wish.table.len(), 2);
    let modules: Vec<String> = wish
        .needs
        .modules()
        .iter()
        .map(|m| m.as_str().to_string())
        .collect();
    assert_eq!(modules, ["ip_vs", "ip_vs_rr", "ip_vs_wrr"]);
    assert_eq!(wish.config.on_stop, StopPolicy::FlushAll);
    assert_eq!(a.quorum_changes.len(), 2);
    assert!(wish
        .table
        .keys()
        .all(|k| matches!(k, ServiceKey::Addr { port: 80, .. })));
}

#[test]
fn checkers_are_admitted_and_alpha_servers_start_outside_the_table() {
    let text = "\
virtual_server 192.0.2.10 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 198.51.100.1 80 {
    TCP_CHECK {
      connect_timeout 3
    }
  }
  real_server 198.51.100.2 80 {
    alpha
    TCP_CHECK {
      connect_timeout 3
    }
  }
}
";
    let c = Conf::new("checker", text, &[]);
    let a = c.admit().expect("admitted");
    let wish = a.ipvs.expect("IPVS runs");
    let dests: Vec<String> = wish
        .table
        .services()
        .flat_map(|vs| vs.dests().map(|d| d.key.addr.to_string()))
        .collect();
    assert_eq!(
        dests,
        ["198.51.100.1"],
        "the alpha server waits for its first success"
    );
    let vrrp_only = Conf::new("checker-p", text, &["-P"]);
    let a = vrrp_only.admit().expect("admitted");
    assert_eq!(a.ipvs, None);
    assert!(a.quorum_changes.is_empty());
}

#[test]
fn checkers_the_logic_cannot_follow_are_refused_with_their_place() {
    let text = "\
virtual_server 192.0.2.10 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 198.51.100.1 80 {
    HTTP_GET {
      url {
        path /
        status_code 200
      }
      fast_recovery
    }
  }
}
virtual_server fwmark 7 {
  lb_algo rr
  lb_kind DR
  real_server 198.51.100.2 {
    TCP_CHECK {
      connect_timeout 3
    }
  }
}
";
    let c = Conf::new("checker-bad", text, &[]);
    assert_eq!(
        c.admit(),
        Err(vec![
            format!(
                "{}:5: HTTP_GET: fast_recovery is not available in this build",
                c.file()
            ),
            format!(
                "{}:18: TCP_CHECK: no port to check: set connect_port (the real server has none)",
                c.file()
            ),
        ])
    );
}

#[test]
fn vrrp_instances_run_unless_ipvs_only_and_what_vrrp_cannot_run_is_refused_at_its_line() {
    let instance = "vrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 51\n  virtual_ipaddress {\n    192.0.2.1/24\n  }\n}\n";
    let c = Conf::new("vrrp", instance, &[]);
    let a = c.admit().expect("VRRP runs");
    let setup = a.vrrp.expect("a VRRP setup");
    assert_eq!(setup.instances.len(), 1);
    assert_eq!(
        setup.instances.first().map(|i| i.name.as_str()),
        Some("VI_1")
    );
    let ipvs_only = Conf::new("vrrp-c", instance, &["-C"]);
    assert_eq!(ipvs_only.admit().map(|a| a.vrrp), Ok(None));

    let ah = Conf::new(
        "vrrp-ah",
        "\nvrrp_instance VI_2 {\n  interface lo\n  virtual_router_id 52\n  authentication {\n    auth_type AH\n    auth_pass secret\n  }\n  virtual_ipaddress {\n    192.0.2.2/24\n  }\n}\n",
        &[],
    );
    let reasons = ah.admit().expect_err("refused");
    assert!(
        reasons.contains(&format!(
            "{}:2: (VI_2) auth_type AH is not supported",
            ah.file()
        )),
        "{reasons:?}"
    );

    let c = Conf::new("sync", "global_defs {\n  lvs_sync_daemon lo\n}\n", &[]);
    let reasons = c.admit().expect_err("refused");
    assert!(
        reasons.iter().any(|r| r.contains("lvs_sync_daemon")),
        "{reasons:?}"
    );
}

#[test]
fn a_missing_file_runs_empty_as_keepalived_does_but_not_under_e() {
    let mut c = Conf::new("missing", "", &[]);
    c.options.config_file = c.dir.join("nope.conf");
    let a = c
        .admit()
        .expect("keepalived runs with an empty configuration");
    assert!(a.ipvs.is_some_and(|w| w.table.is_empty()));
    c.options.missing_include_is_fatal = true;
    let reasons = c.admit().expect_err("refused under -e");
    assert!(
        reasons.iter().any(|r| r.contains("nope.conf")),
        "{reasons:?}"
    );
}

#[test]
fn tracking_is_admitted_and_its_plan_goes_to_the_vrrp_branch() {
    let text = "vrrp_script chk {\n  script \"/bin/true\"\n  weight -50\n}\ntrack_file tf {\n  file /run/holdfast-tf\n}\nvrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 51\n  track_script {\n    chk\n  }\n  track_file {\n    tf\n  }\n  track_interface {\n    hf-trk0 weight -10\n  }\n  virtual_ipaddress {\n    192.0.2.1/24\n  }\n}\n";
    let c = Conf::new("track-script", text, &[]);
    let admitted = c.admit().expect("tracking runs in the daemon");
    let vrrp = admitted.vrrp.expect("a vrrp setup");
    assert!(vrrp.instances[0].tracked);
    assert_eq!(vrrp.tracking.scripts.len(), 1);
    assert_eq!(vrrp.tracking.interfaces, ["hf-trk0"]);
    assert_eq!(vrrp.tracking.files.len(), 1);
}

#[test]
fn a_disabled_vrrp_script_is_left_out_of_tracking_as_keepalived_does() {
    let text = "vrrp_script gone {\n  script \"/nonexistent/holdfast-check\"\n  weight -50\n}\nvrrp_script ok {\n  script \"/bin/true\"\n  weight -20\n}\nvrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 51\n  track_script {\n    gone\n    ok\n  }\n  virtual_ipaddress {\n    192.0.2.1/24\n  }\n}\n";
    let c = Conf::new("disabled-script", text, &[]);
    let admitted = c
        .admit()
        .expect("a disabled script does not stop the daemon");
    let vrrp = admitted.vrrp.expect("a vrrp setup");
    let names: Vec<&str> = vrrp
        .tracking
        .scripts
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["ok"]);
    assert_eq!(vrrp.tracking.instances[0].lines.len(), 1);
}

#[test]
fn an_insecure_script_that_still_runs_is_tracked_whatever_its_path_says() {
    // Without enable_script_security an insecure script runs (keepalived -t exits 6); its
    // warning quotes the path, here containing "disabling", which must not disable it.
    let text = "vrrp_script chk {\n  script \"SCRIPT\"\n  weight -20\n}\nvrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 51\n  track_script {\n    chk\n  }\n  virtual_ipaddress {\n    192.0.2.1/24\n  }\n}\n";
    let c = Conf::new("insecure-script", "", &[]);
    let dir = c.dir.join("disabling");
    std::fs::create_dir_all(&dir).expect("script dir");
    let script = dir.join("chk.sh");
    std::fs::write(&script, "#!/bin/sh\nexit 0\n").expect("script");
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |m| std::fs::Permissions::from_mode(m);
        std::fs::set_permissions(&script, mode(0o755)).expect("chmod script");
        // Writable by anyone: insecure.
        std::fs::set_permissions(&dir, mode(0o777)).expect("chmod dir");
    }
    std::fs::write(
        c.file(),
        text.replace("SCRIPT", script.to_str().unwrap_or_default()),
    )
    .expect("config");
    let loaded = load(&c.options);
    assert!(
        loaded
            .rendered_diagnostics()
            .any(|d| d.contains("is insecure") && d.contains("disabling")),
        "{:?}",
        loaded.diagnostics
    );
    let admitted = c
        .admit()
        .expect("an insecure script does not stop the daemon");
    let vrrp = admitted.vrrp.expect("a vrrp setup");
    let names: Vec<&str> = vrrp
        .tracking
        .scripts
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["chk"]);
}
