"""Badge request builders of further vendors, one module per vendor (or group of vendors).

Each module declares, beside the seed vendors' tables in tests/nodes/badge_requests.py:
- `MODULES`: ComfyUI module (`nodes_<name>.py` without the prefix) → platform vendor name;
- `NODES`: node id → `Node` (what that node sends for given widget values);
- `DIFFERENCES`: node id → reason, for nodes whose badge and the platform's hold differ on purpose.

tests/nodes/badge_catalog.py gathers them; a new vendor adds a module here and touches no shared table.
"""
