"""``python -m search.cli``: the ``flowad`` command."""

from search.cli.main import main

raise SystemExit(main())
