"""The launcher loads ggml backends into the libggml copy libllama is linked to.

A wheel holds ``libggml.so``, ``libggml.so.0`` and ``libggml.so.0.x.y`` as three separate files;
libllama links the soname (``libggml.so.0``). Registering the backends through another copy gave
llama an empty registry ("no backends are loaded") while ``--check`` still passed.
"""

from __future__ import annotations

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
