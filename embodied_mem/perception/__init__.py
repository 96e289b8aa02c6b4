"""Perception: segment → back-project → associate detections into mapped objects.

Public API (import from the submodules; nothing heavy is imported here):

* ``segmenters``: ``make_segmenter(name, ...)`` over ``oracle`` / ``noisy`` (both ORACLE-based),
  ``geometric`` (depth only) and ``open_vocab`` (transformers, local weights).
* ``embedders``: ``make_embedder("text")`` (offline MiniLM) and ``"clip_image"``.
* ``backproject``: masked depth → world points, voxel downsampling, outlier removal.
* ``mapper``: ``ObjectMapper.update(detections, obs) -> MapperUpdate`` over ``MappedObject`` tracks.
* ``pipeline``: ``build_perceiver(name, ...)`` (the agent loop's ``detect(obs)``) and
  ``PerceptionPipeline`` (perceiver + mapper).

Rooms are not perceived: memory takes them from the env's room annotations.
"""
