"""Subgoal types and the low-level policies that execute them. Imports ``envs`` only.

Entry point: :func:`policies.executor.execute` runs any subgoal of :mod:`policies.subgoals`
in an env and returns a :class:`policies.subgoals.PolicyOutcome` with the actions taken.
Success rules for evaluation (ground truth, evaluation side only) are in
:mod:`policies.success`.
"""
