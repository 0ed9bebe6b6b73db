"""Sales, returns, shifts and till audit events as received from the terminals."""
