#!/usr/bin/env python3
"""Offline checks that tie meta-layer/ to the repository it builds (no bitbake needed).

    layer_facts.py license   LIC_FILES_CHKSUM md5s equal the files' real md5, and LICENSE is
                             Cargo.toml's license in bitbake's spelling
    layer_facts.py msrv      Cargo.toml's rust-version <= the Rust of the oldest release in
                             LAYERSERIES_COMPAT_holdfast
    layer_facts.py version   the recipe's PV starts with Cargo.toml's workspace version
    layer_facts.py kmods     every =m option of the IPVS kernel fragment is a recommended
                             kernel-module-* package, and the other way round
    layer_facts.py readme    the bblayers.conf/local.conf lines in README.md's and the layer
                             README's image-building sections parse as bitbake assignments (no
                             comment after a value) and name what the layer has: the layer
                             path, INIT_MANAGER values the image supports, the holdfast-ipvs
                             feature the kernel bbappend tests, the image recipe bitbake builds
    layer_facts.py var NAME  prints the recipe's one value of NAME, whitespace collapsed (for
                             tests that lay out what the recipe installs, tests/vm/vm-image.sh)

Each prints what it compared and exits 1 on a mismatch.
"""

import hashlib
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LAYER = REPO / "meta-layer"
RECIPE = LAYER / "recipes-daemons" / "holdfast" / "holdfast_git.bb"
LAYER_CONF = LAYER / "conf" / "layer.conf"
IPVS_CFG = LAYER / "recipes-kernel" / "linux" / "files" / "ipvs.cfg"
KERNEL_APPEND = LAYER / "recipes-kernel" / "linux" / "linux-yocto_%.bbappend"
# The README sections that tell a Yocto user which lines to add, by file and heading.
README_SECTIONS = {
    REPO / "README.md": "## Building the Yocto image",
    LAYER / "README.md": "## Building the image",
}
# bitbake's own assignment syntax (ConfHandler): the value's closing quote ends the line.
BB_ASSIGNMENT = re.compile(
    r"""^(export\s+)?(?P<var>[A-Za-z0-9\-_+.${}/~:]+?)(\[[A-Za-z0-9\-_+.@/]+\])?\s*"""
    r"""(:=|\?\?=|\?=|\+=|=\+|=\.|\.=|=)\s*(?P<q>['"])(?P<value>.*)(?P=q)$"""
)
# The init managers holdfast-image-minimal supports (its DESCRIPTION and features check).
INIT_MANAGERS = {"sysvinit", "mdev-busybox"}

# Rust shipped by each Yocto release (oe-core's meta/recipes-devtools/rust/rust_*.bb).
RUST_BY_RELEASE = {
    "scarthgap": (1, 75),
    "styhead": (1, 79),
    "walnascar": (1, 84),
    "whinlatter": (1, 90),
    "wrynose": (1, 94),
}

# Recommended modules that no fragment option builds, with the reason.
KMODS_NOT_FROM_FRAGMENT = {
    # libcrc32c's soft dependency (modules.softdep), which module packaging does not follow;
    # the kernel's defconfig builds it.
    "kernel-module-crc32c-generic",
}


def assignments(path: Path) -> dict[str, list[str]]:
    """Bitbake `VAR op "value"` lines, continuation lines joined; every value of each VAR."""
    text = re.sub(r"\\\n", " ", path.read_text())
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        m = re.match(r'^([A-Za-z0-9_:${}.-]+)\s*(?:\?\?=|\?=|:=|\+=|=)\s*"(.*)"\s*$', line)
        if m:
            found.setdefault(m.group(1), []).append(m.group(2))
    return found


def one(values: dict[str, list[str]], var: str, path: Path) -> str:
    got = values.get(var, [])
    if len(got) != 1:
        raise SystemExit(f"{path.relative_to(REPO)}: expected one assignment of {var}, found {len(got)}")
    return got[0]


def workspace_package() -> dict:
    with open(REPO / "Cargo.toml", "rb") as f:
        return tomllib.load(f)["workspace"]["package"]


def check_license() -> bool:
    values = assignments(RECIPE)
    ok = True
    entries = re.findall(r"file://([^;\s]+);md5=([0-9a-f]+)", one(values, "LIC_FILES_CHKSUM", RECIPE))
    if not entries:
        print("no file://...;md5= entries in LIC_FILES_CHKSUM")
        return False
    for name, want in entries:
        path = REPO / name
        if not path.is_file():
            print(f"{name}: listed in LIC_FILES_CHKSUM but missing")
            ok = False
            continue
        got = hashlib.md5(path.read_bytes()).hexdigest()
        if got == want:
            print(f"{name}: md5 {got} as listed")
        else:
            print(f"{name}: md5 is {got}, LIC_FILES_CHKSUM says {want}")
            ok = False
    spdx = workspace_package()["license"]
    bitbake = re.sub(r"\s+OR\s+", " | ", re.sub(r"\s+AND\s+", " & ", spdx))
    license_var = one(values, "LICENSE", RECIPE)
    if license_var == bitbake:
        print(f'LICENSE "{license_var}" is Cargo.toml\'s "{spdx}"')
    else:
        print(f'LICENSE "{license_var}" but Cargo.toml says "{spdx}" (expected "{bitbake}")')
        ok = False
    return ok


def check_msrv() -> bool:
    msrv_text = workspace_package()["rust-version"]
    msrv = tuple(int(x) for x in msrv_text.split(".")[:2])
    releases = one(assignments(LAYER_CONF), "LAYERSERIES_COMPAT_holdfast", LAYER_CONF).split()
    if not releases:
        print("LAYERSERIES_COMPAT_holdfast is empty")
        return False
    unknown = [r for r in releases if r not in RUST_BY_RELEASE]
    if unknown:
        print(f"release(s) {' '.join(unknown)} not in this script's Rust table: add their Rust version")
        return False
    ok = True
    for release in releases:
        rust = RUST_BY_RELEASE[release]
        fits = rust >= msrv
        ok &= fits
        print(f"{release}: Rust {rust[0]}.{rust[1]} {'>=' if fits else '<'} rust-version {msrv_text}")
    return ok


def check_version() -> bool:
    pv = one(assignments(RECIPE), "PV", RECIPE)
    version = workspace_package()["version"]
    if pv == version or pv.startswith(version + "+"):
        print(f'PV "{pv}" matches Cargo.toml version {version}')
        return True
    print(f'PV "{pv}" does not start with Cargo.toml version {version}')
    return False


def check_kmods() -> bool:
    recommended = set(one(assignments(RECIPE), "RRECOMMENDS:${PN}", RECIPE).split())
    built = set()
    for line in IPVS_CFG.read_text().splitlines():
        m = re.match(r"^CONFIG_([A-Z0-9_]+)=m$", line.strip())
        if m:
            built.add("kernel-module-" + m.group(1).lower().replace("_", "-"))
    ok = True
    bad_names = sorted(p for p in recommended if "_" in p)
    if bad_names:
        print(f"package names use '-', not '_': {' '.join(bad_names)}")
        ok = False
    missing = sorted(built - recommended)
    if missing:
        print(f"built as modules by ipvs.cfg but not in RRECOMMENDS: {' '.join(missing)}")
        ok = False
    stray = sorted(recommended - built - KMODS_NOT_FROM_FRAGMENT)
    if stray:
        print(f"in RRECOMMENDS but built by no =m line of ipvs.cfg: {' '.join(stray)}")
        ok = False
    if ok:
        print(f"{len(built)} modules from ipvs.cfg, all recommended; "
              f"also recommended: {' '.join(sorted(KMODS_NOT_FROM_FRAGMENT))}")
    return ok


def readme_section(path: Path, heading: str) -> str | None:
    text = path.read_text()
    start = text.find("\n" + heading + "\n")
    if start < 0:
        return None
    end = text.find("\n## ", start + len(heading) + 2)
    return text[start:] if end < 0 else text[start:end]


def check_readme() -> bool:
    ok = True
    feature = re.search(r"contains\('DISTRO_FEATURES', '([^']+)'", KERNEL_APPEND.read_text())
    for path, heading in README_SECTIONS.items():
        name = path.relative_to(REPO)
        section = readme_section(path, heading)
        if section is None:
            print(f"{name}: no '{heading}' section")
            ok = False
            continue
        seen: dict[str, list[str]] = {}
        commented_init: list[str] = []
        for block in re.findall(r"\n```\n(.*?)\n```", section, re.S):
            lines = block.splitlines()
            if not any(BB_ASSIGNMENT.match(line) for line in lines):
                continue  # a shell command block
            for line in lines:
                if not line.strip():
                    continue
                if line.startswith("#"):
                    m = BB_ASSIGNMENT.match(line[1:])
                    if m and m.group("var") == "INIT_MANAGER":
                        commented_init.append(m.group("value"))
                    continue
                m = BB_ASSIGNMENT.match(line)
                if not m:
                    print(f"{name}: bitbake would not parse {line!r} (a comment must be a line of its own)")
                    ok = False
                    continue
                seen.setdefault(m.group("var"), []).append(m.group("value"))
        layers = seen.get("BBLAYERS", [])
        if not any(v.strip().endswith("/meta-layer") for v in layers):
            print(f"{name}: no BBLAYERS line adding .../meta-layer")
            ok = False
        inits = seen.get("INIT_MANAGER", [])
        if len(inits) != 1 or any(v not in INIT_MANAGERS for v in inits + commented_init):
            print(f"{name}: INIT_MANAGER lines {inits} (commented {commented_init}); "
                  f"want one of {sorted(INIT_MANAGERS)}")
            ok = False
        features = seen.get("DISTRO_FEATURES:append", [])
        if not feature or not any(v.startswith(" ") and feature.group(1) in v.split() for v in features):
            print(f"{name}: DISTRO_FEATURES:append lines {features} do not add the kernel "
                  f"bbappend's feature {feature.group(1) if feature else '(none found)'} with a leading space")
            ok = False
        for target in re.findall(r"(?:^|`)bitbake ([a-z0-9-]+)", section, re.M):
            if not list(LAYER.glob(f"recipes-*/*/{target}.bb")):
                print(f"{name}: 'bitbake {target}': the layer has no such recipe")
                ok = False
        if ok:
            print(f"{name}: {sum(len(v) for v in seen.values())} assignments parse; BBLAYERS, "
                  f"INIT_MANAGER {inits + commented_init}, DISTRO_FEATURES:append {features} agree with the layer")
    return ok


def print_var(name: str) -> bool:
    print(" ".join(one(assignments(RECIPE), name, RECIPE).split()))
    return True


CHECKS = {
    "license": check_license,
    "msrv": check_msrv,
    "version": check_version,
    "kmods": check_kmods,
    "readme": check_readme,
}


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "var":
        sys.exit(0 if print_var(sys.argv[2]) else 1)
    if len(sys.argv) != 2 or sys.argv[1] not in CHECKS:
        print(f"usage: {sys.argv[0]} {{{'|'.join(CHECKS)}}}", file=sys.stderr)
        sys.exit(2)
    sys.exit(0 if CHECKS[sys.argv[1]]() else 1)
