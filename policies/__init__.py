"""Subgoal types and the low-level policies that execute them. Imports ``envs`` only.

Entry point: :func:`policies.executor.execute` runs any subgoal of :mod:`policies.subgoals`
in an env and returns a :class:`policies.subgoals.PolicyOutcome` with the actions taken.
The success rules that judge arrival with ground truth are evaluation, not policy: they live
in :mod:`embodied_mem.benchmark.success`.
"""
