# SPDX-License-Identifier: GPL-3.0-or-later
# lines_imported.py: a module whose body parks, so that a thread of
# lines_workload.py is parked at import time (under importlib's frames).

import workload_harness as harness

harness.park()
