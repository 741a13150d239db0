"""flowad: FPGA-deployable anomaly-detection triggers for LHC experiments.

The domain library. It never imports Ray or MLflow (those live in ``search/``).
"""

__version__ = "0.1.0"
