"""Child process of test_postgres_e2e: run `award_digest` against the Prefect API in PREFECT_API_URL.

Runs in its own interpreter so its Prefect settings never meet the pytest session's test harness.
Prints one JSON line: the flow run id, its final state and the digest's paper statuses.
"""

from __future__ import annotations

import json
import sys


def main() -> int:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from flows.digest import award_digest
    from tests.fixture_conference import SLUG

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        state = award_digest(conference=SLUG, return_state=True)
    digest = state.result()
    print(
        json.dumps(
            {
                "flow_run_id": str(state.state_details.flow_run_id),
                "state": state.type.value,
                "papers": {r.paper_id: r.status.value for r in digest.results},
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
