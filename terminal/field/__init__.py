"""The rep tablet's services (field sales, `kind = rep`): plain modules over `terminal/store`, used by
the rep app (`terminal/ui`), `pos-terminal simulate --orders` and the tests alike. The map, and the
shape every screen can rely on, is `terminal/FIELD.md`; the wire contract is `sync/FIELD.md`.
"""
