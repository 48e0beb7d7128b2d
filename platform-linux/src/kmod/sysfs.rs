//! Whether a module is loaded, from `/sys/module/<name>/initstate` (`live`, `coming`, `going`).
//! Built-in modules have no `initstate`; the index tells them apart.

use super::paths;
use holdfast_actors::ports::kernel_modules::Liveness;
use holdfast_core::modules::ModuleName;
use std::path::Path;

/// What `initstate` says; anything unreadable or unknown is [`Liveness::Absent`].
pub fn liveness(sys_root: &Path, name: &ModuleName) -> Liveness {
    match std::fs::read_to_string(paths::initstate(sys_root, name)) {
        Ok(text) => match text.trim() {
            "live" => Liveness::Live,
            "coming" => Liveness::Coming,
            "going" => Liveness::Going,
            _ => Liveness::Absent,
        },
        Err(_) => Liveness::Absent,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_dir::TestDir;
    use super::*;

    #[test]
    fn initstate_words() {
        let dir = TestDir::new("sysfs");
        for (name, content, expected) in [
            ("ip_vs", "live\n", Liveness::Live),
            ("ip_vs_rr", "coming\n", Liveness::Coming),
            ("ip_vs_wrr", "going\n", Liveness::Going),
            ("odd", "unexpected\n", Liveness::Absent),
        ] {
            let module = dir.path().join("module").join(name);
            std::fs::create_dir_all(&module).unwrap();
            std::fs::write(module.join("initstate"), content).unwrap();
            assert_eq!(
                liveness(dir.path(), &ModuleName::new(name).unwrap()),
                expected
            );
        }
        let absent = ModuleName::new("nf_conntrack").unwrap();
        assert_eq!(liveness(dir.path(), &absent), Liveness::Absent);
    }
}
