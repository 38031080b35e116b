"""``python -m costmodel``: see costmodel.cli."""

from costmodel.cli.main import main

raise SystemExit(main())
