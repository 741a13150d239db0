"""flowad's application layer: the CLI, the Ray Tune search, MLflow tracking, Pareto fronts, baselines and selection.

Only this package imports Ray and MLflow; it depends on ``flowad``, never the reverse.
"""
