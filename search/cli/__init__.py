"""The ``flowad`` command line."""
