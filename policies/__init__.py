"""Subgoal types and the low-level policies that execute them. Imports ``envs`` only."""
