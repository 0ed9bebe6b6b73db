"""Organisation, stores, warehouses, terminals and their enrolment."""
