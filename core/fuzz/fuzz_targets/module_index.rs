//! Fuzz target module_index: any bytes, split at `\x01` into modules.dep, modules.softdep,
//! modules.alias and modules.builtin, must parse, plan and run a loading round without panicking
//! or hanging, and the plan must put every dependency before its module.
#![no_main]
use holdfast_core::modules::{
    IndexTexts, IpvsNeeds, LoadError, ModuleDb, ModuleName, Outcome, Round,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\u{1}');
    let texts = IndexTexts {
        dep: parts.next(),
        softdep: parts.next(),
        alias: parts.next(),
        builtin: parts.next(),
    };
    let db = ModuleDb::parse(texts);
    let mut wanted = match IpvsNeeds::new(["rr", "wrr"], ["sip"]) {
        Ok(needs) => needs.modules(),
        Err(_) => return,
    };
    let dep_modules = texts.dep.unwrap_or("").lines().take(4);
    wanted.extend(dep_modules.filter_map(|line| {
        let (path, _) = line.split_once(':')?;
        ModuleName::from_path(path.trim()).ok()
    }));
    let plan = db.closure(&wanted);
    for (i, step) in plan.steps.iter().enumerate() {
        for dep in &step.deps {
            assert!(plan.position(dep).is_some_and(|at| at < i), "dependency after its module");
        }
    }
    let mut round = Round::new(&plan, None, |m| m.as_str().len() % 3 == 0);
    let mut tries = 0usize;
    while let Some(attempt) = round.next_attempt() {
        tries += 1;
        let outcome = if tries % 2 == 0 {
            Outcome::Inserted
        } else {
            Outcome::Failed(LoadError::NoDevice)
        };
        round.record(attempt, outcome);
    }
    assert!(tries <= plan.steps.len());
    let report = round.finish(String::from("fuzz"), &wanted, db.diagnostics());
    let _ = report.to_string();
});
