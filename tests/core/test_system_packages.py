"""Guard: the system libraries the installed wheels link against are installed by setup.

A wheel can link a system library that PyPI does not ship (open3d needs ``libusb-1.0.so.0``);
if ``scripts/setup.sh`` does not apt-install its package, ``make test`` and ``make demo`` fail
on a fresh machine while passing on every machine that happens to have it. So this test does
not ask whether the library is present here: it asks whether setup installs its package.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from syslib_scan import (
    BASE_PRIORITIES,
    InstalledPackages,
    apt_packages,
    distributions_by_file,
    from_interpreter,
    link_report,
    owning_packages,
    shared_objects,
    site_packages_dirs,
    under,
)

REPO = Path(__file__).resolve().parents[2]
SETUP_SH = REPO / "scripts" / "setup.sh"
SETUP_LLM_SH = REPO / "scripts" / "setup_llm.sh"

# Modules no code path of this project loads, which cannot load in any install of it.
UNLOADABLE_MODULES = {
    "open3d/open3d_tf_ops.so": "Open3D's TensorFlow ops; TensorFlow is not a dependency",
    "open3d/open3d_torch_ops.so": "Open3D's ops for CUDA torch; setup installs the CPU torch",
}


def _venv_relative(module: Path, roots: list[Path]) -> str:
    for root in roots:
        if module.is_relative_to(root):
            return module.relative_to(root).as_posix()
    return str(module)


pytestmark = pytest.mark.skipif(
    not (shutil.which("ldd") and shutil.which("dpkg") and sys.platform == "linux"),
    reason="needs ldd and dpkg (setup.sh targets Debian/Ubuntu)",
)


# The setup script (and its apt array) that installs the system packages of each wheel's
# modules: llama-cpp-python comes from `make setup-llm` (scripts/setup_llm.sh), with its own
# list; every other wheel from scripts/setup.sh.
SETUP_LISTS = {
    "llama-cpp-python": (SETUP_LLM_SH, "LLM_APT_PACKAGES"),
    "": (SETUP_SH, "APT_PACKAGES"),
}
_DIST_OF_FILE = distributions_by_file()


def _group_of(module: str) -> str:
    """The SETUP_LISTS key of the wheel that installed ``module`` (site-packages-relative)."""
    dist = _DIST_OF_FILE.get(module, "")
    return dist if dist in SETUP_LISTS else ""


def test_apt_package_arrays_parse() -> None:
    for script, array in SETUP_LISTS.values():
        packages = apt_packages(script, array)
        assert packages, f"{script.name}: {array} is empty"
        assert all(p.replace("-", "").replace(".", "").isalnum() for p in packages), packages
        assert len(packages) == len(set(packages)), f"{script.name}: a package is listed twice"


def test_readme_lists_the_apt_packages_for_installs_without_make() -> None:
    readme_lines = (REPO / "README.md").read_text().splitlines()
    apt_line = next((line for line in readme_lines if "apt-get install" in line), "")
    missing = [p for p in apt_packages(SETUP_SH) if p not in apt_line.split()]
    assert not missing, f"README's apt-get line lacks {missing} (scripts/setup.sh APT_PACKAGES)"


def _unresolved(report, modules: list[Path], roots: list[Path]) -> list[str]:
    """ldd's "not found" libraries, except those another venv file provides under that name
    (its package loads it first, e.g. MuJoCo's plugins) and in UNLOADABLE_MODULES."""
    bundled = {m.name for m in modules}
    problems = []
    for module, names in sorted(report.missing.items()):
        rel = _venv_relative(module, roots)
        unresolved = sorted(n for n in names if n not in bundled)
        if unresolved and rel not in UNLOADABLE_MODULES:
            problems.append(f"{rel}: unresolved {', '.join(unresolved)} (ldd: not found)")
    return problems


def _system_libraries(report, roots: list[Path]) -> dict[str, set[str]]:
    """library path -> the modules linking it, for libraries outside the venv and the
    interpreter's own install."""
    venv = Path(sys.prefix)
    found: dict[str, set[str]] = {}
    for module, libs in report.resolved.items():
        for lib in libs:
            if not under(lib, venv) and not from_interpreter(lib):
                found.setdefault(lib, set()).add(_venv_relative(module, roots))
    return found


def _allowed_packages(installed: InstalledPackages) -> dict[str, set[str]]:
    """For each group of SETUP_LISTS: what its setup installs, with dependencies, plus
    required/important packages. llama-cpp-python's also gets setup.sh's (setup-llm runs after)."""
    base = {p for p, prio in installed.priority.items() if prio in BASE_PRIORITIES}
    main = installed.closure(apt_packages(SETUP_SH)) | base
    return {
        group: main | installed.closure(apt_packages(script, array))
        for group, (script, array) in SETUP_LISTS.items()
    }


def test_every_linked_system_library_is_installed_by_setup() -> None:
    roots = site_packages_dirs()
    modules = shared_objects(roots)
    assert len(modules) > 50, f"only {len(modules)} compiled modules under {roots}"
    report = link_report(modules)
    problems = _unresolved(report, modules, roots)
    system_libs = _system_libraries(report, roots)
    owner = owning_packages(system_libs)
    installed = InstalledPackages.read()
    allowed = _allowed_packages(installed)
    for lib, users in sorted(system_libs.items()):
        package = owner.get(lib)
        by_group: dict[str, list[str]] = {}
        for module in sorted(users):
            by_group.setdefault(_group_of(module), []).append(module)
        for group, mods in by_group.items():
            example = mods[0] + (f" (+{len(mods) - 1} more)" if len(mods) > 1 else "")
            script, array = SETUP_LISTS[group]
            if package is None:
                problems.append(f"{example} links {lib}, which no Debian package owns")
            elif package not in allowed[group]:
                problems.append(
                    f"{example} links {lib} from Debian package '{package}' "
                    f"(Priority {installed.priority.get(package, '?')}), which "
                    f"scripts/{script.name} neither installs nor pulls in as a dependency: "
                    f"add it to {array} there"
                )
    assert not problems, (
        f"{len(problems)} problem(s) with the system libraries of {len(modules)} compiled "
        "modules:\n  " + "\n  ".join(problems)
    )
