"""`python -m service evaluate profile.json`."""

import sys

from service.cli import main

sys.exit(main())
