"""``python -m fenod_infra`` is the same as the ``fenod-infra`` command."""

from fenod_infra.cli.main import main

raise SystemExit(main())
