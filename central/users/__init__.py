"""Console users and till staff, with their role and (for store roles) their store."""
