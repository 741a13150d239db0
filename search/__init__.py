"""flowad's application layer: the CLI, and (later) the Ray Tune search, MLflow tracking, Pareto and selection.

Only this package imports Ray and MLflow; it depends on ``flowad``, never the reverse.
"""
