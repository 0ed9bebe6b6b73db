"""What the screens call: one adapter per area of the till (sign-in, shift, sale, members, payment,
returns, devices, sync status), composed by `Till`.

Adapters translate only: they call the services (`terminal.session`, `shift`, `checkout`, `returns`,
`members`, `printing`, `devices`, `quarantine`, `sync_client`) and turn their results into the small
snapshots of `terminal.ui.views`. No SQL and no business rule lives here; money comes in and goes
out as integer fen (the screens parse what a cashier typed, `terminal.ui.format`).
"""
