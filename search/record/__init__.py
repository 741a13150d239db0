"""The record of a search: its durable Optuna study, its MLflow runs and their names, and keeping the two agreed."""
