//! Whole-index tests: the Debian 6.1 IPVS closure (FIELD-NOTES §2), cycles, and rounds over the
//! resulting plans with scripted port answers.

use super::*;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// The IPVS part of Debian 12's 6.1 `modules.dep`, `modules.softdep` and `modules.alias`.
const DEP: &str = "\
kernel/arch/x86/crypto/crc32c-intel.ko:
kernel/crypto/crc32c_generic.ko:
kernel/lib/libcrc32c.ko:
kernel/net/ipv4/netfilter/nf_defrag_ipv4.ko:
kernel/net/ipv6/netfilter/nf_defrag_ipv6.ko:
kernel/net/netfilter/nf_conntrack.ko: kernel/net/ipv6/netfilter/nf_defrag_ipv6.ko kernel/net/ipv4/netfilter/nf_defrag_ipv4.ko kernel/lib/libcrc32c.ko
kernel/net/netfilter/ipvs/ip_vs.ko: kernel/net/netfilter/nf_conntrack.ko kernel/net/ipv6/netfilter/nf_defrag_ipv6.ko kernel/net/ipv4/netfilter/nf_defrag_ipv4.ko kernel/lib/libcrc32c.ko
kernel/net/netfilter/ipvs/ip_vs_rr.ko: kernel/net/netfilter/ipvs/ip_vs.ko kernel/net/netfilter/nf_conntrack.ko kernel/net/ipv6/netfilter/nf_defrag_ipv6.ko kernel/net/ipv4/netfilter/nf_defrag_ipv4.ko kernel/lib/libcrc32c.ko
kernel/net/netfilter/ipvs/ip_vs_wrr.ko: kernel/net/netfilter/ipvs/ip_vs.ko kernel/net/netfilter/nf_conntrack.ko kernel/net/ipv6/netfilter/nf_defrag_ipv6.ko kernel/net/ipv4/netfilter/nf_defrag_ipv4.ko kernel/lib/libcrc32c.ko
kernel/net/netfilter/ipvs/ip_vs_pe_sip.ko: kernel/net/netfilter/nf_conntrack_sip.ko kernel/net/netfilter/ipvs/ip_vs.ko kernel/net/netfilter/nf_conntrack.ko kernel/net/ipv6/netfilter/nf_defrag_ipv6.ko kernel/net/ipv4/netfilter/nf_defrag_ipv4.ko kernel/lib/libcrc32c.ko
kernel/net/netfilter/nf_conntrack_sip.ko: kernel/net/netfilter/nf_conntrack.ko kernel/net/ipv6/netfilter/nf_defrag_ipv6.ko kernel/net/ipv4/netfilter/nf_defrag_ipv4.ko kernel/lib/libcrc32c.ko
";
const SOFTDEP: &str =
    "# Soft dependencies extracted from modules themselves.\nsoftdep libcrc32c pre: crc32c\n";
const ALIAS: &str = "\
# Aliases extracted from modules themselves.
alias crypto-crc32c crc32c_intel
alias crc32c crc32c_intel
alias crypto-crc32c-intel crc32c_intel
alias crc32c-intel crc32c_intel
alias cpu:type:x86,ven*fam*mod*:feature:*0094* crc32c_intel
alias crypto-crc32c crc32c_generic
alias crc32c crc32c_generic
alias crypto-crc32c-generic crc32c_generic
alias crc32c-generic crc32c_generic
alias net-pf-16-proto-16-family-IPVS ip_vs
";

fn n(s: &str) -> ModuleName {
    ModuleName::new(s).unwrap()
}

fn debian() -> ModuleDb {
    ModuleDb::parse(IndexTexts {
        dep: Some(DEP),
        softdep: Some(SOFTDEP),
        alias: Some(ALIAS),
        builtin: Some("kernel/net/netfilter/x_tables.ko\n"),
    })
}

fn order(plan: &LoadPlan) -> Vec<&str> {
    plan.steps.iter().map(|s| s.module.as_str()).collect()
}

/// Every hard dependency and `pre:` soft dependency comes before its module.
fn assert_dependency_first(db: &ModuleDb, plan: &LoadPlan) {
    for (i, step) in plan.steps.iter().enumerate() {
        let hard = db
            .entry(&step.module)
            .map(|e| e.deps.clone())
            .unwrap_or_default();
        for dep in &hard {
            let at = plan.position(dep).expect("dependency planned");
            assert!(at < i, "{dep} after {}", step.module);
        }
        for group in plan
            .groups
            .iter()
            .filter(|g| g.of == step.module && g.when == When::Pre)
        {
            for c in &group.candidates {
                assert!(plan.position(c).expect("candidate planned") < i);
            }
        }
    }
}

#[test]
fn debian_ipvs_closure_is_dependency_first() {
    let db = debian();
    assert!(db.diagnostics().is_empty(), "{:?}", db.diagnostics());
    let needs = IpvsNeeds::new(["rr", "wrr"], []).unwrap();
    let plan = db.closure(&needs.modules());
    assert_eq!(
        order(&plan),
        [
            "crc32c_intel",
            "crc32c_generic",
            "libcrc32c",
            "nf_defrag_ipv4",
            "nf_defrag_ipv6",
            "nf_conntrack",
            "ip_vs",
            "ip_vs_rr",
            "ip_vs_wrr"
        ]
    );
    assert_dependency_first(&db, &plan);
    assert!(plan.issues.is_empty());
    assert_eq!(plan.groups.len(), 1);
    let group = &plan.groups[0];
    assert_eq!(
        (group.of.as_str(), group.spec.as_str()),
        ("libcrc32c", "crc32c")
    );
    assert_eq!(group.candidates, [n("crc32c_intel"), n("crc32c_generic")]);
    let soft: Vec<_> = plan
        .steps
        .iter()
        .filter(|s| !s.required)
        .map(|s| s.module.as_str())
        .collect();
    assert_eq!(soft, ["crc32c_intel", "crc32c_generic"]);
    let wanted: Vec<_> = plan
        .steps
        .iter()
        .filter(|s| s.wanted)
        .map(|s| s.module.as_str())
        .collect();
    assert_eq!(wanted, ["ip_vs", "ip_vs_rr", "ip_vs_wrr"]);
    assert_eq!(
        plan.step(&n("ip_vs")).unwrap().source,
        Source::File {
            path: String::from("kernel/net/netfilter/ipvs/ip_vs.ko")
        }
    );
}

#[test]
fn sip_engine_brings_its_conntrack_helper() {
    let db = debian();
    let needs = IpvsNeeds::new(["rr"], ["sip"]).unwrap();
    let plan = db.closure(&needs.modules());
    assert_dependency_first(&db, &plan);
    let ipvs = plan.position(&n("ip_vs")).unwrap();
    let sip = plan.position(&n("nf_conntrack_sip")).unwrap();
    let pe = plan.position(&n("ip_vs_pe_sip")).unwrap();
    assert!(ipvs < pe && sip < pe);
}

#[test]
fn builtins_are_present_without_dependencies() {
    let db = ModuleDb::parse(IndexTexts {
        dep: Some("kernel/net/netfilter/ipvs/ip_vs_rr.ko: kernel/net/netfilter/ipvs/ip_vs.ko\n"),
        softdep: None,
        alias: None,
        builtin: Some("kernel/net/netfilter/ipvs/ip_vs.ko\nkernel/lib/libcrc32c.ko\n"),
    });
    let plan = db.closure(&[n("ip_vs"), n("ip_vs_rr")]);
    assert_eq!(order(&plan), ["ip_vs", "ip_vs_rr"]);
    assert_eq!(plan.steps[0].source, Source::BuiltIn);
    let mut round = Round::new(&plan, None, |_| false);
    let attempt = round.next_attempt().unwrap();
    assert_eq!(attempt.module.as_str(), "ip_vs_rr");
    round.record(attempt, Outcome::Inserted);
    assert!(round.next_attempt().is_none());
    let report = round.finish(String::from("6.1.0"), &[n("ip_vs"), n("ip_vs_rr")], &[]);
    assert_eq!(report.status(&n("ip_vs")), Some(&ModuleStatus::BuiltIn));
    assert!(report.is_ready());
}

#[test]
fn cycles_are_cut_and_reported() {
    let db = ModuleDb::parse(IndexTexts {
        dep: Some("a.ko: b.ko\nb.ko: c.ko\nc.ko: a.ko\nself.ko: self.ko\n"),
        softdep: Some("softdep c pre: b\nsoftdep d post: d\n"),
        alias: None,
        builtin: None,
    });
    let plan = db.closure(&[n("a"), n("self")]);
    assert_eq!(order(&plan), ["c", "b", "a", "self"]);
    assert!(plan.issues.contains(&PlanIssue::Cycle {
        module: n("c"),
        dep: n("a")
    }));
    assert!(plan.issues.contains(&PlanIssue::Cycle {
        module: n("c"),
        dep: n("b")
    }));
    let plan = ModuleDb::parse(IndexTexts {
        dep: Some("d.ko:\n"),
        softdep: Some("softdep d post: d\n"),
        ..IndexTexts::default()
    })
    .closure(&[n("d")]);
    assert_eq!(order(&plan), ["d"]);
}

#[test]
fn long_chains_do_not_overflow_the_stack() {
    let mut dep = String::new();
    for i in 0..20_000u32 {
        dep.push_str(&alloc::format!("m{i}.ko: m{}.ko\n", i + 1));
    }
    let db = ModuleDb::parse(IndexTexts {
        dep: Some(&dep),
        ..IndexTexts::default()
    });
    let plan = db.closure(&[n("m0")]);
    assert_eq!(plan.steps.len(), 20_001);
    assert_eq!(plan.steps[0].module.as_str(), "m20000");
    assert_eq!(plan.steps[0].source, Source::NotInIndex);
}

#[test]
fn unknown_modules_and_unresolved_soft_deps() {
    let db = ModuleDb::parse(IndexTexts {
        dep: Some("kernel/lib/libcrc32c.ko:\n"),
        softdep: Some(SOFTDEP),
        alias: Some(""),
        builtin: None,
    });
    let plan = db.closure(&[n("ip_vs"), n("libcrc32c")]);
    assert_eq!(order(&plan), ["ip_vs", "libcrc32c"]);
    assert_eq!(plan.steps[0].source, Source::NotInIndex);
    assert_eq!(
        plan.issues,
        [PlanIssue::SoftDepUnresolved {
            of: n("libcrc32c"),
            spec: String::from("crc32c")
        }]
    );
    let mut round = Round::new(&plan, None, |_| false);
    let attempt = round.next_attempt().unwrap();
    round.record(attempt, Outcome::Inserted);
    let report = round.finish(String::from("6.1.0"), &[n("ip_vs")], &[]);
    assert_eq!(
        report.status(&n("ip_vs")),
        Some(&ModuleStatus::KernelWithoutIpvs)
    );
    assert_eq!(report.summary(), Summary::KernelWithoutIpvs);
    assert_eq!(
        report.to_string(),
        "kernel 6.1.0: kernel built without IPVS (CONFIG_IP_VS)"
    );
}

#[test]
fn without_modules_dep_ip_vs_is_not_called_absent_from_the_kernel() {
    let plan = ModuleDb::parse(IndexTexts::default()).closure(&[n("ip_vs")]);
    let mut round = Round::new(&plan, None, |_| false);
    assert!(round.next_attempt().is_none());
    let report = round.finish(String::from("6.1.0"), &[n("ip_vs")], &[]);
    assert_eq!(report.status(&n("ip_vs")), Some(&ModuleStatus::NotInIndex));
    assert_eq!(report.summary(), Summary::NoDepIndex);
}

/// Runs one round over the Debian plan, answering from `answer`.
fn run_round(
    plan: &LoadPlan,
    previous: Option<&LoadReport>,
    answer: impl Fn(&str) -> Outcome,
) -> (Vec<String>, LoadReport) {
    let mut tried = Vec::new();
    let mut round = Round::new(plan, previous, |_| false);
    while let Some(attempt) = round.next_attempt() {
        tried.push(String::from(attempt.module.as_str()));
        round.record(attempt, answer(attempt.module.as_str()));
    }
    let wanted: Vec<_> = plan
        .steps
        .iter()
        .filter(|s| s.wanted)
        .map(|s| s.module.clone())
        .collect();
    (
        tried,
        round.finish(String::from("6.1.0-28-amd64"), &wanted, &[]),
    )
}

fn errno(number: i32, name: &str) -> OsErrno {
    OsErrno {
        number,
        name: String::from(name),
    }
}

#[test]
fn crc32c_intel_without_sse42_falls_back_to_generic() {
    let plan = debian().closure(&IpvsNeeds::new(["rr"], []).unwrap().modules());
    let (tried, report) = run_round(&plan, None, |m| match m {
        "crc32c_intel" => Outcome::Failed(LoadError::NoDevice),
        _ => Outcome::Inserted,
    });
    assert_eq!(
        tried,
        [
            "crc32c_intel",
            "crc32c_generic",
            "libcrc32c",
            "nf_defrag_ipv4",
            "nf_defrag_ipv6",
            "nf_conntrack",
            "ip_vs",
            "ip_vs_rr"
        ]
    );
    assert!(report.is_ready());
    assert_eq!(report.summary(), Summary::Ready);
    assert!(report.ipvs_present());
    assert_eq!(
        report.to_string(),
        "kernel 6.1.0-28-amd64: IPVS modules ready"
    );

    let (tried, _) = run_round(&plan, None, |_| Outcome::Inserted);
    assert!(!tried.contains(&String::from("crc32c_generic")));
}

#[test]
fn a_failed_soft_dependency_does_not_fail_the_plan() {
    let plan = debian().closure(&IpvsNeeds::new(["rr"], []).unwrap().modules());
    let (_, report) = run_round(&plan, None, |m| match m {
        "crc32c_intel" => Outcome::Failed(LoadError::NoDevice),
        "crc32c_generic" => Outcome::Failed(LoadError::MissingFile {
            path: String::from("/lib/modules/6.1.0-28-amd64/kernel/crypto/crc32c_generic.ko"),
        }),
        _ => Outcome::Inserted,
    });
    assert!(report.is_ready());
}

#[test]
fn missing_scheduler_leaves_ip_vs_ready() {
    let plan = debian().closure(&IpvsNeeds::new(["rr", "wrr"], []).unwrap().modules());
    let path = "/lib/modules/6.1.0-28-amd64/kernel/net/netfilter/ipvs/ip_vs_wrr.ko";
    let (_, report) = run_round(&plan, None, |m| match m {
        "ip_vs_wrr" => Outcome::Failed(LoadError::MissingFile {
            path: String::from(path),
        }),
        _ => Outcome::Live,
    });
    assert!(!report.is_ready());
    assert!(report.ipvs_present());
    assert!(report.is_present(&n("ip_vs_rr")));
    assert_eq!(report.summary(), Summary::IpvsReady { missing: 1 });
    assert_eq!(
        report.status(&n("ip_vs")),
        Some(&ModuleStatus::AlreadyLoaded)
    );
    assert_eq!(
        report.to_string(),
        alloc::format!("kernel 6.1.0-28-amd64: ip_vs ready; ip_vs_wrr module file {path} missing")
    );
}

#[test]
fn a_failed_dependency_blocks_its_dependents() {
    let plan = debian().closure(&IpvsNeeds::new(["rr"], []).unwrap().modules());
    let denied = LoadError::PermissionDenied {
        errno: errno(1, "EPERM"),
    };
    let (tried, report) = run_round(&plan, None, |_| Outcome::Failed(denied.clone()));
    assert_eq!(
        tried,
        [
            "crc32c_intel",
            "crc32c_generic",
            "libcrc32c",
            "nf_defrag_ipv4",
            "nf_defrag_ipv6"
        ]
    );
    assert_eq!(
        report.status(&n("ip_vs")),
        Some(&ModuleStatus::Blocked {
            by: n("nf_conntrack")
        })
    );
    assert!(!report.ipvs_present());
    assert_eq!(
        report.to_string(),
        "kernel 6.1.0-28-amd64: ip_vs waiting for nf_conntrack; \
         libcrc32c failed: permission denied (EPERM): needs CAP_SYS_MODULE and module loading enabled; \
         nf_defrag_ipv4 failed: permission denied (EPERM): needs CAP_SYS_MODULE and module loading enabled; \
         nf_defrag_ipv6 failed: permission denied (EPERM): needs CAP_SYS_MODULE and module loading enabled"
    );
}

#[test]
fn modules_holdfast_loaded_stay_loaded_in_later_rounds() {
    let plan = debian().closure(&IpvsNeeds::new(["rr"], []).unwrap().modules());
    let (_, first) = run_round(&plan, None, |m| match m {
        "ip_vs_rr" => Outcome::Failed(LoadError::NoDevice),
        "nf_conntrack" => Outcome::Live,
        _ => Outcome::Inserted,
    });
    let (tried, second) = run_round(&plan, Some(&first), |_| Outcome::Live);
    assert_eq!(second.status(&n("ip_vs")), Some(&ModuleStatus::Loaded));
    assert_eq!(
        second.status(&n("nf_conntrack")),
        Some(&ModuleStatus::AlreadyLoaded)
    );
    assert_eq!(
        second.status(&n("crc32c_generic")),
        Some(&ModuleStatus::NotNeeded)
    );
    assert!(tried.contains(&String::from("ip_vs_rr")));
    assert!(second.is_ready());
}

#[test]
fn reports_round_trip_through_postcard() {
    let plan = debian().closure(&IpvsNeeds::new(["rr"], []).unwrap().modules());
    let (_, report) = run_round(&plan, None, |_| Outcome::Inserted);
    let bytes = postcard::to_allocvec(&report).unwrap();
    let back: LoadReport = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(back, report);
}
