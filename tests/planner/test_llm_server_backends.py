"""The launcher loads ggml backends into the libggml copy libllama is linked to.

A wheel holds ``libggml.so``, ``libggml.so.0`` and ``libggml.so.0.x.y`` as three separate files;
libllama links the soname (``libggml.so.0``). Registering the backends through another copy gave
llama an empty registry ("no backends are loaded") while ``--check`` still passed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from embodied_mem import llm_server


def _wheel_lib_dir(tmp_path: Path) -> Path:
    for name in ("libggml.so", "libggml.so.0", "libggml.so.0.25.3", "libllama.so"):
        (tmp_path / name).write_bytes(b"\x7fELF")
    return tmp_path


def test_the_copy_already_mapped_is_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lib_dir = _wheel_lib_dir(tmp_path)
    mapped = [Path("/usr/lib/libc.so.6"), lib_dir / "libggml.so.0.25.3", lib_dir / "libllama.so"]
    monkeypatch.setattr(llm_server, "_mapped_libraries", lambda: mapped)
    assert llm_server._ggml_in_use(lib_dir) == lib_dir / "libggml.so.0.25.3"


def test_without_a_mapping_the_soname_copy_is_chosen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib_dir = _wheel_lib_dir(tmp_path)
    monkeypatch.setattr(llm_server, "_mapped_libraries", lambda: [])
    assert llm_server._ggml_in_use(lib_dir) == lib_dir / "libggml.so.0"


def test_this_process_maps_real_libraries() -> None:
    assert any(p.name.startswith("libc.so") for p in llm_server._mapped_libraries())


def test_a_variant_that_dies_on_a_real_prompt_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a Xeon VM advertising AMX and AVX512-FP16, ggml's pick (sapphirerapids) completed one
    token but died of SIGILL on the server's first prompt; the launcher probes each variant in
    a child process, best first, and serves with the first that survives."""
    for name in ("sapphirerapids", "zen4", "haswell", "x64"):
        (tmp_path / f"libggml-cpu-{name}.so").write_bytes(b"\x7fELF")
    monkeypatch.setattr(llm_server, "backend_dir", lambda: tmp_path)
    monkeypatch.delenv(llm_server.VARIANT_ENV, raising=False)
    tried: list[str] = []

    def child(cmd, env, **_kw):  # noqa: ANN001, ANN202 - the probe's process, as the OS ends it
        assert cmd[-3:] == ["embodied_mem.llm_server", "--probe", "m.gguf"]
        tried.append(env[llm_server.VARIANT_ENV])
        return subprocess.CompletedProcess(cmd, -4 if tried[-1] == "sapphirerapids" else 0)

    monkeypatch.setattr(llm_server.subprocess, "run", child)
    assert llm_server.usable_variant("m.gguf") == "zen4"
    assert tried == ["sapphirerapids", "zen4"]
    monkeypatch.setenv(llm_server.VARIANT_ENV, "haswell")
    assert llm_server.usable_variant("m.gguf") is None  # named by the user: no probing


def test_no_variant_that_runs_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every variant dying (or hanging) stops the launcher with what each did and what to do;
    variants of other builds (aarch64 names) are tried too, after the known x86-64 ones."""
    for name in ("haswell", "armv8.2_1"):
        (tmp_path / f"libggml-cpu-{name}.so").write_bytes(b"\x7fELF")
    monkeypatch.setattr(llm_server, "backend_dir", lambda: tmp_path)
    monkeypatch.delenv(llm_server.VARIANT_ENV, raising=False)

    def child(cmd, env, timeout, **_kw):  # noqa: ANN001, ANN202
        if env[llm_server.VARIANT_ENV] == "haswell":
            return subprocess.CompletedProcess(cmd, -4)
        raise subprocess.TimeoutExpired(cmd, timeout)

    monkeypatch.setattr(llm_server.subprocess, "run", child)
    with pytest.raises(RuntimeError) as err:
        llm_server.usable_variant("m.gguf")
    assert "haswell: exit -4; armv8.2_1: timed out" in str(err.value)
    assert "make setup-llm" in str(err.value)
