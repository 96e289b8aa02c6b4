"""Which Debian packages the venv's compiled modules need (helper of test_system_packages.py).

Every ELF shared object under the venv's site-packages is run through ``ldd`` (in batches, two
at a time); each library it resolves outside the venv is mapped to its Debian package with one
``dpkg -S`` call; the allowed packages are ``scripts/setup.sh``'s ``APT_PACKAGES``, their
installed dependency closure (Depends + Pre-Depends, alternatives and virtual packages
resolved against what is installed) and every package of Priority required/important.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

BASE_PRIORITIES = {"required", "important"}
_LDD_BATCH = 60


def apt_packages(script: Path, array: str = "APT_PACKAGES") -> list[str]:
    """The ``NAME=( ... )`` array of a bash script (may span lines, with # comments)."""
    words: list[str] = []
    inside = False
    for line in script.read_text().splitlines():
        code = line.split("#", 1)[0]
        if not inside and code.startswith(f"{array}=("):
            inside, code = True, code[len(array) + 2 :]
        if inside:
            body, closed, _ = code.partition(")")
            words += body.split()
            if closed:
                return words
    raise ValueError(f"{script}: no complete {array}=( ... ) array")


def site_packages_dirs() -> list[Path]:
    """The running interpreter's site-packages (make test runs it from the venv)."""
    paths = sysconfig.get_paths()
    return sorted({Path(paths["platlib"]).resolve(), Path(paths["purelib"]).resolve()})


def shared_objects(roots: Iterable[Path]) -> list[Path]:
    """Every ``*.so`` / ``*.so.N`` file (not symlink) under ``roots`` that is an ELF file."""
    found = []
    for root in roots:
        for path in root.rglob("*.so*"):
            if not re.search(r"\.so(\.[\w.-]+)?$", path.name) or path.is_symlink():
                continue
            if path.is_file() and path.open("rb").read(4) == b"\x7fELF":
                found.append(path)
    return sorted(found)


@dataclass
class LinkReport:
    """What ``ldd`` said for each module: resolved library paths and unresolved names."""

    resolved: dict[Path, set[str]] = field(default_factory=dict)  # module -> library paths
    missing: dict[Path, set[str]] = field(default_factory=dict)  # module -> library names


def _ldd_batch(files: list[Path]) -> str:
    # The library search must be the one a plain `python` gets, not this shell's.
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "LD_PRELOAD")}
    proc = subprocess.run(
        ["ldd", *map(str, files)], capture_output=True, text=True, env=env, check=False
    )
    return proc.stdout


def _parse_ldd(text: str, report: LinkReport) -> None:
    module: Path | None = None
    for line in text.splitlines():
        if not line.startswith(("\t", " ")) and line.endswith(":"):
            module = Path(line[:-1])
            continue
        if module is None:
            continue
        name, arrow, target = line.strip().partition(" => ")
        if not arrow:
            continue  # linux-vdso, the dynamic loader itself, "not a dynamic executable"
        if target.startswith("not found"):
            report.missing.setdefault(module, set()).add(name)
        else:
            report.resolved.setdefault(module, set()).add(target.split(" (")[0])


def link_report(files: list[Path]) -> LinkReport:
    """``ldd`` over ``files``: many files per call, two calls at a time (there are hundreds)."""
    if len(files) == 1:  # ldd prints no "file:" header for a single file
        files = [*files, files[0]]
    batches = [files[i : i + _LDD_BATCH] for i in range(0, len(files), _LDD_BATCH)]
    report = LinkReport()
    with ThreadPoolExecutor(max_workers=2) as pool:
        for text in pool.map(_ldd_batch, batches):
            _parse_ldd(text, report)
    return report


def _path_variants(path: str) -> list[str]:
    """dpkg records a library under /lib or /usr/lib (merged /usr); ask for every spelling."""
    real = os.path.realpath(path)
    variants = []
    for p in (path, real):
        variants.append(p)
        if p.startswith("/usr/"):
            variants.append(p[len("/usr") :])
        else:
            variants.append("/usr" + p)
    return list(dict.fromkeys(variants))


def owning_packages(paths: Iterable[str]) -> dict[str, str]:
    """library path -> Debian package, in one ``dpkg -S`` call; unowned paths are absent."""
    variants = {p: _path_variants(p) for p in paths}
    queries = sorted({v for vs in variants.values() for v in vs})
    if not queries:
        return {}
    proc = subprocess.run(["dpkg", "-S", *queries], capture_output=True, text=True, check=False)
    owner_of: dict[str, str] = {}
    for line in proc.stdout.splitlines():
        packages, sep, owned = line.partition(": ")
        if sep and not packages.startswith("diversion"):
            owner_of[owned.strip()] = packages.split(",")[0].strip().split(":")[0]
    return {
        path: next(owner_of[v] for v in vs if v in owner_of)
        for path, vs in variants.items()
        if any(v in owner_of for v in vs)
    }


@dataclass
class InstalledPackages:
    """The dpkg status database: priorities, dependencies and what provides what."""

    priority: dict[str, str]
    depends: dict[str, list[list[str]]]  # package -> [alternatives, ...]
    providers: dict[str, set[str]]

    @classmethod
    def read(cls) -> InstalledPackages:
        fmt = "${Package}\t${db:Status-Status}\t${Priority}\t${Depends}, ${Pre-Depends}\t${Provides}\n"
        out = subprocess.run(
            ["dpkg-query", "-W", f"-f={fmt}"], capture_output=True, text=True, check=True
        ).stdout
        priority, depends, providers = {}, {}, {}
        for line in out.splitlines():
            name, status, prio, deps, provides = line.split("\t")
            if status != "installed":
                continue
            priority[name] = prio
            depends[name] = [
                [_bare_name(a) for a in group.split("|")]
                for group in deps.split(",")
                if group.strip()
            ]
            for virtual in provides.split(","):
                if virtual.strip():
                    providers.setdefault(_bare_name(virtual), set()).add(name)
        return cls(priority, depends, providers)

    def closure(self, roots: Iterable[str]) -> set[str]:
        """``roots`` and everything installed they depend on, recursively."""
        seen: set[str] = set()
        stack = [r for r in roots if r in self.priority]
        while stack:
            pkg = stack.pop()
            if pkg in seen:
                continue
            seen.add(pkg)
            for group in self.depends.get(pkg, []):
                for alt in group:
                    stack.extend(
                        p for p in {alt, *self.providers.get(alt, ())} if p in self.priority
                    )
        return seen


def _bare_name(spec: str) -> str:
    """'libc6 (>= 2.35)' -> 'libc6'; 'python3:any' -> 'python3'."""
    return spec.strip().split(" ")[0].split(":")[0]


def under(path: str | Path, root: Path) -> bool:
    return Path(os.path.realpath(path)).is_relative_to(root.resolve())


def from_interpreter(path: str) -> bool:
    """A library of the base interpreter's own install (pyenv, python.org, a /usr/local
    build): libpython anywhere, anything under a non-system prefix. The README asks for
    Python 3.10-3.12 however installed; dpkg knows the system's (/usr) libraries itself."""
    if Path(path).name.startswith("libpython"):
        return True
    base = Path(sys.base_prefix).resolve()
    return base not in (Path("/"), Path("/usr"), Path("/usr/local")) and under(path, base)


def distributions_by_file() -> dict[str, str]:
    """site-packages-relative path -> the distribution (normalised name) that installed it,
    from the installed wheels' RECORD files."""
    from importlib.metadata import distributions

    owner = {}
    for dist in distributions():
        name = re.sub(r"[-_.]+", "-", (dist.metadata["Name"] or "")).lower()
        for file in dist.files or []:
            owner[Path(file).as_posix()] = name
    return owner
