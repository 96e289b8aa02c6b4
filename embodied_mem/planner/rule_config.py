"""Settings of the rule planner (apart from the planner, so loading a run's config does not
import it and its instruction parser)."""

from __future__ import annotations

from dataclasses import dataclass

from embodied_mem.language.parser_config import ParserConfig
from embodied_mem.planner.stopping import StoppingConfig


@dataclass
class RulePlannerConfig:
    """Settings of the rule planner."""

    explore_steps: int = 300
    """Step budget of the exploration subgoal issued when memory lacks the target."""
    inspect_receptacles: int = 8
    """Remembered receptacles (nearest first) a search looks at once no frontier is left."""
    max_explorations: int = 1
    """How many explore-then-replan rounds one instruction may use."""
    open_to_search: int = 8
    """Closed containers (nearest first) a search opens and closes again, after exploring, when
    memory still has no thing of the wanted kind (an egg shut in a microwave all along)."""
    container_categories: tuple[str, ...] = (
        "Cabinet",
        "Drawer",
        "Fridge",
        "Microwave",
        "Oven",
        "Dishwasher",
        "Safe",
        "Box",
        "Wardrobe",
    )
    """Kinds of furniture that open (general knowledge, any spelling case): a search opens one
    whose state memory never saw, not only those it saw shut."""
    stopping: StoppingConfig | None = None
    """Mind-Palace stopping rule for questions (None = defaults)."""
    parser: ParserConfig | None = None
    """Instruction understanding thresholds (None = defaults)."""

    def __post_init__(self) -> None:
        if self.explore_steps <= 0:
            raise ValueError(f"explore_steps must be > 0, got {self.explore_steps}")
        if self.inspect_receptacles < 0:
            raise ValueError(f"inspect_receptacles must be >= 0, got {self.inspect_receptacles}")
        if self.open_to_search < 0:
            raise ValueError(f"open_to_search must be >= 0, got {self.open_to_search}")
        if self.max_explorations < 0:
            raise ValueError(f"max_explorations must be >= 0, got {self.max_explorations}")
        if self.stopping is None:
            self.stopping = StoppingConfig()
        if self.parser is None:
            self.parser = ParserConfig()
