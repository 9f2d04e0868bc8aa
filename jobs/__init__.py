"""RQ entry points: thin functions taking ids, each safe to run twice."""
