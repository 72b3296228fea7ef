"""Test support, one definition of each thing, registered as the pytest plugin `plugin`.

- `plugin`: suite-wide hooks (Qt offscreen, every qasync loop kept alive, --runslow) and
  the fixture modules below, loaded through `pytest_plugins`;
- `accounts`: the seeded users' passwords and the agent counts of the seeded servers;
- `waiting`: `until` (await a condition) and `wait_until` (block on one, in sync tests);
- `backend`: the real backend in a thread: start it, sign in, arrange state through SQL,
  read tables back (plain functions, no fixtures);
- `servers`: fixtures of the real backend: `server` (40 agents, the backend suite's; the
  PostgreSQL folder swaps its database), `make_server`, `small_server` (30 agents, the
  console's tests), httpx clients `admin`/`supervisor`/`anon`, ApiClients
  `admin_api`/`supervisor_api`;
- `stub`: a stub HTTP server (`stub`), a fake backend with a change log (`fake_backend`),
  `self_signed` certificates, `Recorder` of what a feed emits;
- `keyrings`: `memory_keyring`, `failing_keyring`;
- `console`: `console_settings`, `signed_in` (an ApiClient), `live_console` (a signed-in
  console on the real backend, for GUI tests on the qasync loop);
- `proxy`: `LoopbackProxy`, a TCP proxy that drops answers or refuses connections;
- `loops`: `run_on_qasync`, for sync tests that drive a qasync loop themselves.

Tests take fixtures by name from the plugin and import only helpers from these modules.
"""
