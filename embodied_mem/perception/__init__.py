"""Perception: segment → back-project → associate detections into mapped objects."""
