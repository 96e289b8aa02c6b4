"""The agent loop: perceive → update memory → plan → execute subgoal → repeat, with traces."""

from embodied_mem.agent.loop import AgentConfig, MemoryAgent
from embodied_mem.agent.trace import StepTrace, TaskTrace

__all__ = ["AgentConfig", "MemoryAgent", "StepTrace", "TaskTrace"]
