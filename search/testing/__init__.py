"""Helpers the tests use to run a search the way a user would: a real local cluster, a search in its own session."""
