from __future__ import annotations

from preflight.launch import main

raise SystemExit(main())
