"""``python -m supervisor_console``."""

import sys

from supervisor_console.app import main

sys.exit(main())
