"""Start llama-cpp-python's OpenAI-compatible server with the CPU backend chosen at run time.

``scripts/setup_llm.sh`` builds llama-cpp-python portably: no ``-march=native``, and every
x86-64 variant of ggml's CPU backend (``libggml-cpu-x64.so`` ... ``-sapphirerapids.so``) as a
loadable module next to ``libllama.so``. ggml picks the best variant the running CPU supports,
but only searches the executable's and the current directory, and llama-cpp-python does not
load backends itself, so this launcher loads them from the package's ``lib`` folder first.

    python -m embodied_mem.llm_server --model M.gguf --port 8080 ...   # llama_cpp.server args
    python -m embodied_mem.llm_server --check    # which CPU backend this machine gets; exit 1
                                                 # if the build is not the portable one
"""

from __future__ import annotations

import ctypes
import logging
import sys
from pathlib import Path

logger = logging.getLogger(__name__)


def backend_dir() -> Path:
    """The folder of ``libllama.so`` and the CPU-variant modules in the installed package."""
    import llama_cpp

    return Path(llama_cpp.__file__).resolve().parent / "lib"


def cpu_variants(lib_dir: Path) -> list[str]:
    """The CPU backend variants the build ships (empty: a single, compiled-in backend)."""
    return sorted(p.name for p in lib_dir.glob("libggml-cpu-*.so"))


def load_backends() -> str:
    """Load ggml's backends from the package folder; returns the CPU module now mapped in
    this process (e.g. ``libggml-cpu-haswell.so``), or "" if the build has no variants.

    Raises:
        RuntimeError: a portable build whose variants none could load on this CPU.
    """
    lib_dir = backend_dir()
    if not cpu_variants(lib_dir):
        return ""
    ggml = ctypes.CDLL(str(lib_dir / "libggml.so"))
    ggml.ggml_backend_load_all_from_path.argtypes = [ctypes.c_char_p]
    ggml.ggml_backend_load_all_from_path.restype = None
    ggml.ggml_backend_load_all_from_path(str(lib_dir).encode())
    loaded = [
        Path(line.split()[-1]).name
        for line in Path("/proc/self/maps").read_text().splitlines()
        if "libggml-cpu-" in line
    ]
    if not loaded:
        raise RuntimeError(
            f"none of the CPU backends in {lib_dir} ({', '.join(cpu_variants(lib_dir))}) loads "
            "on this CPU"
        )
    return loaded[0]


def check() -> int:
    """Print the build kind and the CPU backend this machine gets; 1 if not portable."""
    variants = cpu_variants(backend_dir())
    if not variants:
        sys.stdout.write(
            f"llama-cpp-python in {backend_dir()} has no CPU-variant modules: a native build, "
            "which may crash on other CPUs. Rebuild it portably: make setup-llm\n"
        )
        return 1
    chosen = load_backends()
    sys.stdout.write(f"portable build: {len(variants)} CPU variants; this CPU uses {chosen}\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--check"]:
        return check()
    chosen = load_backends()
    logger.warning("ggml CPU backend: %s", chosen or "compiled in (not a portable build)")
    from llama_cpp.server.__main__ import main as server_main

    sys.argv = ["llama_cpp.server", *args]
    server_main()
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    sys.exit(main())
