"""The agent loop: perceive → update memory → plan → execute subgoal → repeat, with traces."""

from __future__ import annotations

from typing import TYPE_CHECKING

from embodied_mem.lazy import lazy_exports

if TYPE_CHECKING:
    from embodied_mem.agent.config import AgentConfig
    from embodied_mem.agent.loop import MemoryAgent
    from embodied_mem.agent.trace import StepTrace, TaskTrace

# Imported on first use, so importing one submodule does not load its siblings.
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".config": ("AgentConfig",),
        ".loop": ("MemoryAgent",),
        ".trace": ("StepTrace", "TaskTrace"),
    },
)

__all__ = ["AgentConfig", "MemoryAgent", "StepTrace", "TaskTrace"]
