"""Planners: turn an instruction plus memory into subgoals (rule, llm, hf, frames backends).

Backends are imported lazily through :func:`make_planner`; importing this package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from embodied_mem.lazy import lazy_exports

if TYPE_CHECKING:
    from embodied_mem.planner.base import (
        FAILURE_MODES,
        PLANNER_ERRORS,
        Keyframe,
        Planner,
        PlannerCall,
        PlanningContext,
        PlanResult,
        ToolCallRecord,
        check_failure_mode,
    )
    from embodied_mem.planner.registry import PLANNERS, make_planner, registered_planners

# Imported on first use, so importing one submodule does not load its siblings.
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".base": (
            "FAILURE_MODES",
            "PLANNER_ERRORS",
            "Keyframe",
            "Planner",
            "PlannerCall",
            "PlanningContext",
            "PlanResult",
            "ToolCallRecord",
            "check_failure_mode",
        ),
        ".registry": ("PLANNERS", "make_planner", "registered_planners"),
    },
)

__all__ = [
    "FAILURE_MODES",
    "PLANNERS",
    "PLANNER_ERRORS",
    "Keyframe",
    "PlanResult",
    "Planner",
    "PlannerCall",
    "PlanningContext",
    "ToolCallRecord",
    "check_failure_mode",
    "make_planner",
    "registered_planners",
]
