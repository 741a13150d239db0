"""Physics metrics used everywhere: ROC AUC, signal efficiency at a trigger rate, teacher↔student agreement."""

from flowad.metrics.agreement import emd, spearman
from flowad.metrics.rates import LHC_BUNCH_CROSSING_RATE_MHZ, TriggerEfficiency, roc_auc, tpr_at_rate

__all__ = ["LHC_BUNCH_CROSSING_RATE_MHZ", "TriggerEfficiency", "emd", "roc_auc", "spearman", "tpr_at_rate"]
